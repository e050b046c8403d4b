"""Deterministic red-flag rules, run on every user message.

The classifier can miss a warning sign phrased in a way it never saw; these phrase rules cannot be
talked out of one. They favour catching too much: a false alarm costs a parent one extra suggestion
to call the clinic, a miss can cost far more.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, List, Optional, Pattern, Sequence, Tuple

from coach import content
from coach.negation import NEGATION_CUE, negated, without_denied_questions
from coach.newborn_numbers import baby_sign_in_numbers


class RedFlag(str, Enum):
    # Ordered by urgency: the answer names the most urgent first.
    MENTAL_HEALTH = "mental_health"
    INFANT = "infant"
    MASTITIS = "mastitis"
    FEVER = "fever"
    NIPPLE_DAMAGE = "nipple_damage"
    # Softer signs of low mood ("numb", "can't cope"): a gentle check that shows the crisis line.
    LOW_MOOD = "low_mood"
    UNSPECIFIED = "unspecified"


URGENCY_ORDER: Tuple[RedFlag, ...] = tuple(RedFlag)
# Flags that are sure enough to escalate at once; the rest get one short check first.
CHECK_FIRST = frozenset({RedFlag.LOW_MOOD, RedFlag.UNSPECIFIED})

_FEVER = (
    r"(fever\w*|feverish|febrile|temp(erature)? of|high temp|a temp\b|chills|chilly and|shiver\w*|the shakes|shaking (all over|"
    r"uncontrollably|with)|"
    r"rigors|flu[- ]?like|flu[- ]?ish|like (i have|i've got|ive got|i got) (the )?flu|like the flu|body aches?|achy all over|"
    r"aching all over|"
    r"aches all over|achy and|hot and cold|burning up|(i'?m|i am|been|feel|feeling|so) (freezing|frozen)( cold)?\b(?! (milk|it|"
    r"the|bags?))|"
    r"teeth (are )?chattering|(can'?t|cant) (get|stay) warm|\b(have|has|got|running|run|with) (a )?(high |bit of a |"
    r"slight )?(temp|temperature)\b|"
    r"\btemp(erature)? (is|was|of|at|reads?|read) (3[89]|4[01]|99|10[0-5])|\b(3[89]|4[01])([.,]\d)? ?(°c?|degrees|deg|c)\b|"
    r"\b(99|10[0-5])([.,]\d)? ?(°f?|degrees|deg|f)\b|\b(3[89]|40)[.,]\d\b(?! ?(ml|oz|mm|min|hours?|weeks?|days?|%)))"
)
# Heat from a compress or a shower, a ring left by the flange, and lumps that clear with pumping are
# ordinary; they are masked out before the breast-sign rule looks.
_HARMLESS_SIGNS = re.compile(
    r"[^.?!]*\b(heat(ing)? (pad|pack)s?|heat pads?|heating pad)\b[^.?!]*|"
    r"\b(chills?|shiver\w*|freezing|burning up|sweating)\b[^.?!]{0,80}\b(ac|a/c|air ?con\w*|aircon|fan|"
    r"cold (room|office|house|flat)|"
    r"heating|heater|radiator|outside|outdoors|snow\w*|(parking )?garage|below zero|-\d+ ?(°|degrees)?)\b|"
    # Aches with their own everyday cause ("body aches from sleeping sitting up with the baby").
    r"\b(body aches?|achy|aching|sore all over)\b[^.?!]{0,25}\b(from|after|because of|bc of|due to) (sleeping|the gym|"
    r"(a |my )?workout|carrying|lifting|holding|running|yoga|moving)\b[^.?!]*|"
    # A word in quotes is talked about, not reported ("MIL asks about 'milk fever'").
    r"(?<!\w)'[^']{1,30}'(?!\w)|\"[^\"]{1,30}\"|"
    r"\b(hot|warm) (compress\w*|packs?|shower\w*|bath\w*|water|towel\w*|pads?|flannel|cloth|washcloth|rice sock|drink|tea|"
    r"coffee|day|weather|room|car|milk|bottle)\b|\bred (rings?|marks?|lines?|circles?|lines?)\b"
    r"(?![^.?!]{0,40}\b(spread\w*|running|toward\w*|armpit|up (my|the) (chest|breast)))|\b(rings?|marks?|circles?) "
    r"(from|left by) the (flange|pump|shield)\b|\blumps? (that )?(go(es)? away|goes|disappear\w*|clear\w*|soften\w*)\b|"
    r"\blumpy when full\b|\bflushed\b|\bred (face|faced)\b|"
    # The colour a warm compress leaves ("warm compress before pumping so my boobs look red after").
    r"\b(warm|hot) compress\w*[^.?!]{0,60}\b(red|pink|reddish|warm)\b|"
    # A coloured bag or bottle is not coloured milk ("the bag looks pink bc it's a pink bag").
    r"[^.?!]*\b((pink|red|orange) (bags?|bottles?|lids?|caps?|labels?|containers?)|"
    r"(?<!milk in the )(?<!milk in my )(?<!milk in )(bags?|bottles?|lids?|caps?|labels?|containers?) (is|are|looks?) "
    r"(pink|red|orange))\b[^.?!]*|"
    # Idioms: "blood, sweat and tears for 30 ml".
    r"\bblood,? sweat,? (and|&|n'?) tears\b"
)
# A sign on another part of the body ("a blood blister on my thumb from the pump handle") is not a
# breast or nipple sign; the clause is set aside unless it names the breast too.
_ELSEWHERE = re.compile(r"[^.?!,;]*\b((on|in|from|of) (my |his |her |the |a )?|my |his |her )"
                        r"(thumb|finger|hand|wrist|lip|knee|foot|feet|arm|leg|"
                        r"toe|nose|ankle|elbow|shin|back|gum)s?\b[^.?!,;]*")
_BREAST_SIGN = (
    r"\b(red|redness|reddish|pink patch|hot|warm to (the )?touch|hot to (the )?touch|swollen|swelling|hard lump|lump|wedge|"
    r"hard spot|"
    r"streaks?|inflamed|burning|angry looking|shiny)\b"
)
_PAIN = r"\b(pain\w*|sore|hurts?|hurting|tender|aching|agony|throbb\w*|kill(s|ing) me)\b"
_BREAST_AREA = r"\b(breast|boob|lump|wedge|area|spot|patch|side|armpit|underneath|quadrant|streak)"
# Someone else's fever (a toddler, a partner) is not the parent's warning sign.
_OTHERS_FEVER = re.compile(r"\b(toddler|husband|dh|hubby|partner|older (son|daughter|one|kid)|other (child|kid)|kids|"
                           r"grandma|granny|nephew|niece|cousin|neighbou?r\w*|dog|cat|puppy|kitten|"
                           r"big brother|big sister|my (mom|mum|dad|mil)|mil|friend|sister|coworker|colleague)\b[^.?!]{0,25}"
                           r"\b(fever|temp|temperature|flu|sick|ill)[^.?!]*")
# Questions about what a sign is, or a past episode that is over, are not a sign now.
_PAST_EPISODE = re.compile(
    r"\b(had|got|treated|was treated for|recovered from|antibiotics for|got over)\b[^.?!]{0,50}"
    r"\b(mastitis|fever|chills|shiver\w*|"
    r"aches|achy|crack\w*|"
    r"bleed\w*|"
    r"blister\w*|bleb|jaundice)\b[^.?!]{0,60}\b(all good|gone|better|cleared|resolved|fine now|healed|over|finished|"
    r"last (year|month|time|week)|in (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|in the first (week|month|days)|"
    r"before|with my (first|older|last)|weeks ago|months ago|ages ago|ago|back then|normal now)\b[^.?!]*"
)
# Low mood that is over: "had PPD with my first, got help and recovered".
_PAST_MOOD = re.compile(r"\b(had|got over|recovered from|treated for)\b[^.?!]{0,30}\b(ppd|postpartum depression|depression|"
                        r"post[- ]partum depression)\b[^.?!]*|[^.?!]*\b(recovered|got help and|with my first|last time)\b[^.?!]*")
# A clause that says the trouble is over ("cracked nipples the first week, which sorted itself out").
_RESOLVED = re.compile(r"[^.?!]*\b(sorted (itself |themselves )?out|(?<!not )(?<!n't )(?<!nt )healed|cleared up|all cleared|"
                       r"it cleared|no (temperature|fever|temp) since|(?<!never )(?<!not )(?<!n't )(?<!nt )went away|"
                       r"resolved|all good now|better now|fine now|long gone|gone now|in the first (week|weeks|days|"
                       r"month))\b[^.?!]*")
# A sign mentioned only to say it was not one ("panicked it was blood, it wasn't").
# "Pink milk in the fridge?? Oh wait nvm it's the yogurt": everything before "never mind" is taken back.
_NEVER_MIND = re.compile(r"^.*\b(nvm|never ?mind|false alarm|my bad|phew)\b")
_RETRACTED = re.compile(r"\b(thought|panick\w*|worried|scared|afraid|convinced)\b[^.?!]{0,25}\b(it was|was|it'?s|"
                        r"i had)\b[^.?!]{0,30}"
                        r"[.!]?\s*(but )?(it )?(wasn'?t|was not|isn'?t|turned out|it'?s not|its not|it was (just|only))[^.?!]*")
# General questions about signs, asked for the future or for someone else; a parent who says they
# have the sign ("my nipple is bleeding, is that normal?") is not asking in general.
_INFO_QUESTION = re.compile(
    r"\b(how (do|can|would|will) (i|you|we) (know|tell|spot|recogni[sz]e)|what (are|r) (the )?(signs|symptoms)|signs of|"
    r"symptoms of|what does .{0,30}(feel|look) like|what'?s (the|a|that)(?! point)|what is (a|the)|"
    r"how to (prevent|avoid|stop)|prevent\w*|"
    r"(does|do|can|could|will|would) [^.?!]{0,40}\b(mean|cause|lead to|lower|reduce|affect|hurt)|asking for (a|my) friend|"
    r"just (curious|wondering|want(ed)? to know)|in case|if i ever|what if|for the future|should i [^.?!]{0,40}\bif\b|"
    r"(paranoid|worried|scared|afraid) (about|of) (getting|mastitis|cracks)|read about|people talk about|how common|"
    r"(what|which) signs|signs (to|i should) (watch|look)|i (read|heard|saw) (that|online|somewhere)?|"
    r"what('?s| is| are) (a |an |the )?(ppd|pnd|postpartum depression|post[- ]partum depression|baby blues|mastitis|"
    r"jaundice|blebs?|milk blisters?|thrush|engorgement|dehydration)\b(?! (in|with|on) my)|"
    r"(midwife|doctor|nurse|ob|ped\w*|hv|health visitor|lc|consultant) (mentioned|told me about|brought up|asked about)|"
    r"what (do|should|would|can) (i|we) do if|asking (bc|because|cause|for) |before a (long )?(flight|trip))\b"
)
_FIRST_PERSON_CLAIM = re.compile(
    r"\b(i have|i'?ve got|ive got|i got|i'?ve had|(i am|i'?m|im) (so |very |really )?(hot|feverish|shivering|bleeding|"
    r"burning up)|"
    r"my (nipples?|nips?|breasts?|boobs?|left|right|milk|temp|temperature|baby|son|daughter|lo|newborn) (is|are|has|have|"
    r"looks?|seems?|feels?|hasn'?t|isn'?t|won'?t|keeps?|started|got)|(she|he|baby)('?s| is| has| hasn'?t| isn'?t| won'?t|"
    r" keeps?)|there'?s (blood|pus)|theres (blood|pus)|there is (blood|pus))\b"
)

_STRONG_MOOD = (
    r"\b(kill(ing)? my ?self|suicid\w*|self[- ]?harm\w*|hurt(ing)? my ?self|harm(ing)? my ?self|end (it all|my life|things|it)\b|"
    r"(don'?t|dont|do not) want to (be here|live|be alive|wake up|exist)|not want(ing)? to (be here|live|exist)|"
    r"better off without me|better off if i (just )?(was|were|wasn'?t|wasnt|weren'?t|werent) (not )?(gone|dead|here|around|"
    r"alive|born)|no reason to live|no point (in )?(living|going on)|"
    r"(can'?t|cant|cannot|can not) go on|want(ed)? to die|wanna die|wish i (was|were) dead|wish i (could )?(just )?disappear\w*|"
    r"want to disappear|run away and never|(hurt|harm|shake|smother|drop|throw)(ing)? (the|my|our) (baby|babe|son|daughter|lo|"
    r"newborn|little one)|"
    r"thoughts? (of|about) (hurting|harming|killing|ending)|intrusive thoughts|(not|don'?t feel) safe (with|around) (my |"
    r"the )?baby|"
    r"scared (of what|i might|i'?ll) (i might do|do|hurt)|drive (off|into)|turn(ing)? the wheel|"
    r"(wish|want|wanna|think about|thinking about|dream of)[^.?!]{0,25}\b(disappear\w*|vanish\w*)|"
    r"(disappear\w*|vanish\w*) (for good|forever|and never)|walk(ing)? out (and|on) (never|not|them|everyone)|"
    r"run(ning)? away (and never|for good|from everyone)|"
    r"(easier|better) (for everyone |for them )?if i (just )?(was|were|wasn'?t|weren'?t|wasnt) (here|around|gone|alive|dead)|"
    r"(nobody|no one|noone) would (even )?(notice|care|miss me)|if i (was|were) (gone|dead|not here)|tired of (living|life|"
    r"being alive)|"
    r"(don'?t|dont|can'?t|cant) see (a|any) (way out|future|point in living)|no way out|pills? (saved|stashed|hidden)|"
    r"overdos\w*|"
    r"(thought|thoughts|imagin\w*|pictur\w*|images?|visions?|flash(es)? of|urges?|keep seeing)\b[^.?!]{0,30}\b(shak\w*|"
    r"drop\w*|hurt\w*|smother\w*|harm\w*|"
    r"throw\w*|suffocat\w*|drown\w*)\b[^.?!]{0,15}\b(her|him|the baby|my baby|baby|them|it)|"
    r"(baby|she|he|they) would be better off (with|without) (someone|somebody|another|me)|scared of (myself|what i might)|"
    r"pills (in|are in|in the)|how many pills|(go to sleep|fall asleep|close my eyes) and (not|never) wake( up)?|"
    r"(think|thinking|thought|thoughts|dream\w*|wish\w*) (about |of )?(not|never) waking( up)?|"
    r"(steer\w*|drive|driving|swerv\w*) (into|off|in front)|being done with (everything|it all|life)|end it\b|"
    r"(want|wanted) (it )?(all )?to (stop|end) for good|"
    # Said indirectly (eval/corpus_heldout4): fear of oneself with the baby, the baby better off with
    # someone else, looking up doses, not able to go on, others coping without them, not going home.
    r"(scared|afraid|frightened) (to be|of being) alone with (my |the )?(baby|son|daughter|lo)|because of what i might do|"
    r"(would|'?d) (do|be) better (raising|with|without) (her|him|them|the baby)|raising (her|him|them) alone|"
    r"deserves? (a )?better (mom|mum|mother|mama|parent)|better (mom|mum|mother) than me|"
    r"(looked|looking|look) up how (many|much)|how many (of my )?(pills|meds|tablets|painkillers)( it would take)?|"
    r"(stockpil\w*|hoard\w*|stash\w*|sav\w*) (up )?(my |some |all my )?(pills|meds|tablets)|"
    r"(can'?t|cannot|cant|can not) keep (living|going on|doing this)( like this)?|"
    r"(don'?t|dont|do not) (think|know if|know how) i can "
    r"(keep (living|going on|going like this)|go on\b(?! (pumping|with|doing|working))|live\b)|"
    r"(cope|manage|be fine|be ok|be okay|be better)( fine| ok| okay| better| well| just fine)? (if|when|once) i "
    r"(wasn'?t|wasnt|weren'?t|was not|am not|'?m not|"
    r"were gone|was gone|'?m gone)( around| here)?|"
    r"(easier|better) if i (just )?(didn'?t|did not|never) (go|come|went) (home|back)|"
    r"(easier|better) if i (just )?(didn'?t|did not|never) (wake up|exist))"
)
# Deep low mood: a human now, with the crisis line; but, unlike self-harm wording, it can be denied
# ("not depressed or anything"), be someone else's, be over ("had PPD with my first, recovered") or be
# asked about in general ("what are the signs of postpartum depression?").
_DEEP_LOW = (
    r"\b(hopeless|worthless|(really|so|very|severely|deeply) depressed|depressed|postpartum depression|post[- ]partum depression|"
    r"ppd|"
    r"(can'?t|cant) stop crying|crying all day|cry(ing)? (all|every) (day|night|the time))\b"
)
_LOW_MOOD = (
    r"\b(numb|empty inside|feel (nothing|empty)|no joy|(don'?t|dont|can'?t|cant) enjoy anything|(can'?t|cant|cannot) cope|"
    r"not coping|"
    r"(can'?t|cant) do this any ?more|falling apart|not myself|lost myself|dark place|dark thoughts|so alone|all alone|"
    r"(don'?t|dont) feel (bonded|connected|anything)|regret having|what'?s the point|whats the point|nothing matters|"
    r"(can'?t|cant) get out of bed|in a (dark|black) hole|drowning|barely holding on|at (my|the) breaking point|"
    r"(low|down|sad) (all|every) (day|the time)|(for|in) weeks[^.?!]{0,20}(low|down|sad|crying)|useless|"
    r"(don'?t|dont) care about anything|going through the motions|(can'?t|cant) even cry|haven'?t (showered|"
    r"eaten)[^.?!]{0,20}weeks|"
    r"(feel|felt) nothing|(haven'?t|havent) felt anything|(^|[.!?]\s*)(i'?m|im) empty\b|empty inside|so empty|"
    r"nothing makes me happy|gr[ae]y fog|in a fog (every|all)|can'?t feel happy|nothing (feels|is) (good|fun) any ?more)\b"
)
# safety/MAP.md M5 and M6, a day chosen and preparatory acts. Harmless readings exist (a date picked for
# a christening, a routine written down for a sitter), so these get the one short check, not an alarm.
# Read without the someone-else mask: the letters are written for the partner and the children.
_PREPARATORY = (
    r"\b((picked|chosen|chose|set|decided on|settled on) (a|the) (date|day)(?! (for|of) (the |her |his |our |my )?"
    r"(christening|baptism|party|wedding|shots|appointment|visit|trip|birthday))|"
    r"wrote (goodbye |farewell )?(letters?|notes?)[^.?!]{0,40}\b(for|to) (each|every|all|dh|my (husband|partner|wife|mom|mum)|"
    r"the kids|my kids|everyone)|goodbye (letters?|notes?|messages?|videos?)|"
    r"giv(e|ing|en) away (my|all my) (things|stuff|clothes|jewel\w*|books)|"
    r"(wrote|writing|written) (out|down) [^.?!]{0,40}\b(so (anyone|someone else|they|he|dh) can (do it|take over|manage|cope)|"
    r"(for|in case) (when|after) i'?m (gone|not here)))\b"
)
# safety/MAP.md B6, B8-B11 and B13 in words: weakness, a cold body, laboured breathing, a blue, grey or
# mottled colour, green vomit, a seizure. Each is tied to the sign itself, not to its harmless relative:
# blue hands and feet and hiccups are normal in a newborn; so are grunting in sleep, green poop and
# the startle reflex, so grunting counts only with every breath or with flaring, green only for vomit,
# jerking only when rhythmic, long, or with no response.
_BABY_DANGER = (
    r"\btoo weak to (even )?(suck|feed|eat|latch|nurse|drink|take (the |a )?(bottle|breast))|"
    r"\bno (strength|energy) (left )?to (suck|feed|latch|nurse|eat)|"
    r"\b(chest|tummy|belly|back|body|torso|skin)\b[^.?!]{0,25}\b(feels?|felt|is|are|was|so|very|really|ice) "
    r"(so |very |really |ice )?cold\b|"
    r"\b(nose|nostrils?)\b[^.?!]{0,15}\bflar\w*|\bflar\w* (his |her |the )?(nose|nostrils?)|"
    r"\bgrunt\w*\b[^.?!]{0,25}\b(every|each) breath|\bgrunt\w*\b[^.?!]{0,40}\b(flar\w*|ribs|sucking in|pulling in)|"
    r"\b(skin|chest|belly|tummy)\b[^.?!]{0,25}\b(sucks?|sucking|pulls?|pulling|caves?|caving) in\b|"
    r"\b(under|between) (her|his|the) ribs\b[^.?!]{0,20}\b(sucks?|sucking|pulls?|pulling|caves?) in|"
    r"\b(stops?|stopped|stopping) breathing|\bpauses? (in|between) (her|his) breath\w*|"
    r"\b(struggl\w*|working (so )?hard|fighting) (to breathe|for (each |every )?breath)|\blabou?red breathing|"
    r"\b(lips?|tongue|gums|face|skin|around (his|her|the) mouth)\b[^.?!]{0,25}\b(blue|bluish|blu\w*ish|grey|gray|greyish|"
    r"grayish|dusky|purple)\b|\b(blue|bluish|grey|gray|dusky|purple)\b[^.?!]{0,10}\b(lips?|tongue|around (the|his|her) "
    r"mouth)\b|\bmottled|\bmarbl\w* (pattern|skin|look\w*)|\bblotchy\b[^.?!]{0,30}\b(grey|gray|pale|marbl\w*)|"
    r"\b(grey|gray)\b[^.?!]{0,10}\bblotchy|\b(she|he|baby|lo|face|skin)\b[^.?!]{0,20}\b(very|so|really|super|deathly|ghostly) "
    r"pale|"
    r"\b(green|bile|dark green|yellow[- ]green|bright green|bloody) (vomit|puke|sick|spit[- ]?up)|"
    r"\b(vomit\w*|puk\w*|threw up|throwing up|throws up)\b[^.?!]{0,30}\b(green|bile|blood)\b|"
    r"\b(jerk\w*|twitch\w*|shak\w*|stiffen\w*)\b[^.?!]{0,40}\b(rhythm\w*|over and over|for (about |like |almost |over )?"
    r"(a|one|\d+) (full )?(minute|min|minutes)|(didn'?t|did not|wouldn'?t|would not|won'?t) (look|respond|react))|"
    r"\beyes (rolled|rolling|roll) (back|up)|\b(inconsolable|high[- ]pitched) (cry\w*|scream\w*|wail\w*)"
)
# safety/MAP.md F4 and F5: redness that spreads or streaks, a lump that antibiotics do not shift, pus.
_BREAST_SPREADING = (
    r"\bred (lines?|streaks?)\b[^.?!]{0,40}\b(spread\w*|running|going|moving|toward\w*|up to|to (my|the) (armpit|chest))|"
    r"\b(redness|red (area|patch|part|spot|bit)|the red)\b[^.?!]{0,40}\b(spread\w*|grow\w*|getting (bigger|larger|wider)|"
    r"doubled|past the (line|mark|pen)|bigger than)|"
    r"\b(lump|hard (bit|spot|area|part)|wedge)\b[^.?!]{0,60}\b(never went away|still there|not going away|hasn'?t gone|"
    r"won'?t go)\b[^.?!]{0,80}\b(antibiotic\w*|worse|more painful|shiny|tight)|"
    r"\bantibiotic\w*\b[^.?!]{0,60}\b(not (helping|working)|didn'?t (help|work)|never went away|getting worse)|"
    r"\bpus\b|\bfluctuant\b|\bpocket of (pus|fluid)"
)
# safety/MAP.md N4: tissue torn away, a hole, a piece missing.
_TORN_TISSUE = (
    r"\b(chunk|piece|bit|flap|layer) of (skin|tissue|nipple|areola)\b[^.?!]{0,30}\b(came off|ripped|torn|tore|peeled|"
    r"missing|gone|off)|\b(skin|tissue)\b[^.?!]{0,15}\b(ripped|torn|tore) (off|away|open)|"
    r"\bhole in (my |the )?(nipple|areola)|\b(nipple|areola)\b[^.?!]{0,30}\bhole\b"
)

_RULES: Sequence[Tuple[RedFlag, Pattern[str]]] = tuple(
    (flag, re.compile(pattern))
    for flag, pattern in (
        # Thoughts of self-harm, of harming the baby, or deep low mood: crisis line first.
        (RedFlag.MENTAL_HEALTH, _STRONG_MOOD),
        # A baby who may not be getting enough milk.
        (RedFlag.INFANT, r"(\b(few|fewer|no|no more|zero|0|not (many|enough)|hardly any|barely any|less|"
         r"(only|just) (had |has |did )?(one|two|three|four|1|2|3|4)) (wet |pee |wee |heavy )?(diapers?|nappies|nappy|dipes)|"
         r"\b(had|has|had only|only had|made|did) (one|two|three|1|2|3) (wet |pee |wee )?(diapers?|nappies|nappy|dipes)\b|"
         r"\b(one|two|three|1|2|3) (wet |pee |wee )?(diapers?|nappies|nappy|dipes) (all day|today|since|in (the last )?(24|"
         r"twenty)|yesterday)|"
         r"(hasn'?t|hasnt|has not|haven'?t|not) (had )?(a |any )?(wet|pee|wee)(dy)? (diapers?|nappies|nappy)|"
         r"no (wet|pee|wee) (diapers?|nappies|nappy)|dry (for|since) |"
         r"dark yellow|barely (peeing|pees|peed|wees)|(very|so|too|super|really|extremely) sleepy (and|to) (won'?t|not|wont|"
         r"can'?t|cant|doesn'?t) (eat|feed|nurse|wake|latch)|"
         r"(not|isn'?t|isnt) (really |quite |properly )?(gaining|putting on)|no longer gaining|"
         r"too (sleepy|tired) to (eat|feed|nurse|suck)|(won'?t|wont|doesn'?t|doesnt|not) wake (up )?(to|for) (eat|feed|feeds|"
         r"feeding)|"
         r"(diapers?|nappies|nappy) (are |is |have been |has been )?(dry|not wet)|dry (diapers?|nappies|nappy)|"
         r"(hasn'?t|has not|hasnt|not|isn'?t|isnt) (peed|pee(ing)?|wee(d|ing)?)|"
         r"dark (urine|pee|wee|yellow pee)|orange (pee|urine|crystals)|brick dust|dehydrat\w*|sunken|"
         r"letharg\w*|floppy|hard to wake|(won'?t|wont|can'?t|cant) wake|limp|unresponsive|"
         r"(not|isn'?t|isnt|hasn'?t|hasnt|stopped|poor|slow|no) (gaining|gained|putting on)( any)?( weight)?|"
         r"poor weight gain|(losing|lost|dropp(ed|ing)|drop in) weight|weight (loss|dropped|is dropping|is going down)|"
         r"failure to thrive|"
         r"(refus\w*|won'?t take|wont take) (all |every |any )?(feeds?|to (eat|feed))|"
         r"jaundice\w* (is )?(getting )?(worse|yellower|spreading)|(more|getting) yellow|yellow(er)? (eyes|skin) (getting|again)|"
         r"(barely|hardly|not (very|really)) wet (nappies|nappy|diapers?)|(nappies|nappy|diapers?) (are |r )?(barely|hardly|"
         r"mostly|almost|"
         r"pretty much|all) (wet|dry)|mostly dry|"
         r"dropped (from )?(the )?\d+(th|st|nd|rd)?( percentile)? to(?! [\d.,]+ ?(ml|oz|ounces?|mls)\b)|"
         r"dropp\w* (a |two |2 )?percentiles?|fell (off|down) (the|her|"
         r"his) "
         r"(curve|chart)|(weight|weight gain|gain) (is|was|has been) (poor|slow|not great|low|too low)|poor (weight )?gain|"
         r"below (her |his )?birth ?weight|not back (up )?to (her |his )?birth ?weight|under (her |his )?birth ?weight|"
         r"(can'?t|cant|couldn'?t|could not|hard to|struggl\w* to|had to work to|impossible to) (rouse|wake)|(won'?t|wont) rouse|"
         r"(isn'?t|isnt|is not|stopped|won'?t|wont|not) (feeding|eating|drinking|taking (the )?(bottle|breast|"
         # "she stopped eating at 3:15", "stopped drinking 20 minutes ago": the end of one feed, not a sign.
         r"feeds?))\b(?! (well|as much|much|on|(at|around|about) \d|\d+ ?(min|mins|minutes|hours?|hrs?) ago|half ?way|"
         r"and (fell asleep|dozed|pushed)))|"
         r"not interested in (eating|feeding|feeds|food|the breast|the bottle)|"
         r"(one|1|two|2) wet (diapers?|nappies|nappy) (overnight|in (the last )?\d+|since)|woke (up )?for (only )?(one|two|1|"
         r"2) feeds?|"
         r"dark like tea|(pee|urine|wee) (is |looks |was )?(like )?(dark|darker|brown|orange|tea)|tea[- ]colou?red|"
         r"\b(pee|urine|wee|wees|wee-wee)\b[^.?!]{0,20}\b(dark|darker|brown\w*|orange\w*|concentrated|strong[- ]smelling)\b|"
         r"\b(only|just) (been |had |done )?(a couple|one or two|1 or 2|a few)\b[^.?!]{0,15}\b(today|since|all day|wet|"
         r"pees?|wees?|diapers?|nappies)|"
         r"\b(not|no|didn'?t|hasn'?t|has not|won'?t|wont|haven'?t) (eat|eaten|feed|fed|drink|drunk|drank|nurse|nursed)\w*"
         r"( anything| at all)? (since|for|all) (this )?(morning|yesterday|last night|lunch|breakfast|\d+ ?(h|hrs?|hours?)|hours|"
         r"all day|the whole day)|"
         r"\b(not|won'?t|wont|doesn'?t|doesnt|can'?t|cant|cannot|didn'?t) open (his |her |the |their )?eyes|"
         r"\b(only|just) (sleep|sleeps|sleeping)\b[^.?!]{0,20}\b(not|no|won'?t|doesn'?t|can'?t) (eat|feed|wake|drink)|"
         # Weight said with numbers: a unit of weight or a scale, never a flange size ("went from 24 to 19").
         r"\b(gone|went|dropped|fallen|fell) from [\d.,]+ ?(kg|g|grams|lbs?|pounds?)\b[^.?!]{0,4}\bto [\d.,]+|"
         r"\b(gone|went|dropped|fallen|fell) from [\d.,]+ to [\d.,]+ ?(kg|g|grams|lbs?|pounds?)\b|"
         r"\b(lighter|smaller) than (at |on |before |last )|weighs less than|"
         r"\b(not|isn'?t|isnt|hasn'?t|hasnt|not yet|still not) (got(ten)? |gotten )?back (up )?to (her |his )?birth ?weight|"
         r"\bfewer (wet|pee|wee)( ones| diapers| nappies)?|\bless wet\b|"
         r"\b(diapers?|nappies|nappy) (are |is )?(really |very |so )?(light|almost dry|nearly dry)|"
         r"(hasn'?t|hasnt|has not|no|not) (pooped|poo(p)?ed|had a poo(p)?|dirtied|had a dirty)\w*( diaper| nappy)? "
         r"(in|for|since) (\d+|two|three|four|five|six|seven) days|no (poop|poo|stool)s? (since|for|in) \d+ days|"
         r"less interested in (eating|feeding|feeds|food|the breast|the bottle)|"
         r"\b(her|his|baby'?s|lo'?s|the baby'?s|my baby'?s) (lips|mouth) (look |looks |are |is |seem |seems |feel |feels )?"
         r"(so |very |really |a bit )?(dry|cracked|parched|chapped)|sunken (soft ?spot|fontanelle)|no tears when (she|he) cries|"
         r"sleep\w* through (feeds|feedings|her feeds|his feeds)|"
         r"just (lays|lies|lying|laying) there|(doesn'?t|doesnt|does not|won'?t|no longer) (cry|wake|fuss)\w* "
         r"(any ?more )?for (food|feeds|milk|the breast)|"
         r"dropp\w* (across |down )?(two |2 |a |one )?(centile|percentile) lines?|"
         r"(eyes|skin)[^.?!]{0,20}\byellow\b[^.?!]{0,40}\b(worse|more|spreading)|yellow[^.?!]{0,30}getting worse|"
         r"(orange|yellow)[- ]?(ish|y)? (skin|eyes)|skin (looks |is )?(orange|yellow)|"
         r"(sleepy|sleeps all the time|lethargic)[^.?!]{0,40}(jaundice|yellow|orange|not (feeding|eating|interested))|"
         r"(jaundice|yellow|orange|not (feeding|eating|interested))[^.?!]{0,40}(so sleepy|very sleepy|sleeps all the time))"),
        (RedFlag.NIPPLE_DAMAGE, r"(cracked (and|&) bleeding|bleeding (and|&) cracked|"
         r"blood (in|on|from|streak\w*|tinged|stain\w*|spots?)|blood\w* (milk|nipples?|discharge)|"
         r"bloody (milk|nipples?|discharge)|(milk|nipples?) (is |are |was |were |looks? )?(bloody|blood[- ]?tinged)|"
         r"streaks? of blood|spots? of blood|traces? of blood|\bblood\b(?! (sugar|pressure|test|work|type|draw|clot\w*)))|"
         r"(crack\w*|blister\w*|scab\w*|raw|open wound|torn|shredded|split|open sores?|weeping) nipples?|"
         r"\bmilk\b[^.?!]{0,60}\b(pink\w*|reddish|rusty|brownish|(little |tiny )?(red|brown) (bits|specks?|flecks?|streaks?|"
         r"threads?|tinge))\b|\b(red|brown) (bits|specks?|flecks?|streaks?|threads?) in (the |my )?milk|"
         r"nipples? (are |is |r |look |looks |got |get |have |has )?(so |very |all |really |now )?(crack\w*|blister\w*|scab\w*|"
         r"raw|torn|shredded|"
         r"split|open|weeping|oozing)|(pink|red|brown|rusty) (tinge\w* )?milk|milk (is |looks |came out |comes out )?(pink|"
         r"reddish|brown)|"
         r"(blister|bleb|wound|cut|crack|sore|split) on (my |the )?nipple|nipple (wound|cut|crack|blister|bleb)|"
         r"\b(nip\w*|tips?)\b[^.?!]{0,40}\b(crack\w*|blister\w*|bleb|raw|open (sores?|cuts?|wounds?|patch\w*)|scab\w*|ooz\w*|"
         r"weep\w*|torn|split open|skinned)|\b(crack\w*|blister\w*|raw|open (sores?|cuts?|wounds?|patch\w*)|ooz\w*)\b[^.?!]{0,30}"
         r"\b(nip\w*|tips?)\b|\bnips? (are |r |is )?(so |all )?raw"),
        (RedFlag.INFANT, _BABY_DANGER),
        (RedFlag.MASTITIS, _BREAST_SPREADING),
        (RedFlag.NIPPLE_DAMAGE, _TORN_TISSUE),
        (RedFlag.LOW_MOOD, _LOW_MOOD),
    )
)
_FEVER_RE = re.compile(_FEVER)
_BREAST_SIGN_RE = re.compile(_BREAST_SIGN)
_PAIN_RE = re.compile(_PAIN)
_LOW_MOOD_RE = re.compile(_LOW_MOOD)
_PREPARATORY_RE = re.compile(_PREPARATORY)
_DEEP_LOW_RE = re.compile(_DEEP_LOW)
# Someone else's illness or mood: the rest of that sentence is about them ("DH cut his finger and bled",
# "my husband has been feeling low", "someone in my mom group felt numb").
_OTHERS = re.compile(
    r"\b(toddler|husband|dh|hubby|partner|older (son|daughter|one|kid)|other (child|kid)|kids|big brother|big sister|"
    r"my (mom|mum|dad|mil)|grandma|granny|nephew|niece|cousin|neighbou?r\w*|"
    r"mil|friend\w*|sisters?|sister'?s|brothers?|brother'?s|coworker|colleague|someone|somebody|a mom|mom group|another mom|"
    # Pets: "the dog has been lethargic" is not the baby.
    r"dog|doggo|puppy|pup|cat|kitten|kitty|pet|hamster|rabbit|retriever|labrador|poodle|terrier|spaniel|beagle)\b"
    # The rest of that clause is about them; a comma, "but" or "and i" starts the parent's own again
    # ("DH works nights, my mum lives abroad, I feel hopeless" still reports the parent's mood).
    r"[^.?!,;]*?(?=[.?!,;]|\b(but|and i|and my|i'?m|im|i am|i feel|i have|i'?ve)\b|$)"
)
_BREAST_AREA_RE = re.compile(_BREAST_AREA)
# Thoughts of self-harm count even when denied in the same breath; softer words of low mood do not
# ("they don't feel empty" is about the breasts).
_NEVER_NEGATED = {RedFlag.MENTAL_HEALTH}
# Idioms that use the words of the self-harm rules and mean nothing of the kind: "I wanted to die of
# embarrassment", "nearly died laughing". Only the idiom is masked; "I want to die" alone still counts.
# "The midwife asked me about hurting myself and the answer is no, never": a screening answered no.
# "I'm not suicidal or anything, just frustrated": a disclaimer. Both are masked; any other self-harm
# wording in the message still counts.
_SCREENED_NO = re.compile(r"\b(asked|asks|asking|screen\w*|questionnaire|questions?)\b[^.?!]{0,80}\b(hurt\w*|harm\w*|suicid\w*|"
                          r"kill\w*)[^.?!]{0,60}\b(answer (is|was)|i said|said|i answered|answered)\s*(honestly |truly |really )?"
                          r"(no|never|nope)\b[^.?!]*|\b(i'?m|i am|im) not suicidal( or anything| at all)?")
# "I used to have thoughts of hurting myself as a teenager, haven't had them in years": long over, and
# said so; anything that says they are back ("...and they're back") keeps the rule.
_PAST_THOUGHTS = re.compile(r"\b(used to have|had)\b[^.?!]{0,20}\b(thoughts?|urges?)\b[^.?!]{0,60}\b(as a (teen\w*|kid|child)|"
                            r"in (high )?school|years ago|in my (teens|twenties))\b(?![^.?!]*\b(back|again|lately|returned|"
                            r"recently|since (the )?(birth|baby)))[^.?!]*")
_MOOD_IDIOMS = re.compile(
    r"\b(want(ed)?|wanna|could( have)?|nearly|almost|going to|gonna) (to )?(die|died|dying) (of|from) "
    r"(embarrass\w*|shame|laugh\w*|boredom|cuteness|the cuteness|cringe)\b|\b(died|dying|die) laughing\b|"
    r"\b(want(ed)?|wanna) to (die|disappear|crawl into a hole)\b(?= (when|because|every time|whenever) (my )?(boss|coworker|"
    r"colleague|someone|he|she) (walked|walks|came|comes|barged|barges|knocked|knocks))|"
    r"\b(disappear|crawl|sink|melt) into (a|the) (hole|floor|ground)\b"
)


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and collapse spaces so the phrase rules see one spelling."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)  # zero-width characters hide words
    return re.sub(r"\s+", " ", text).strip()


_OPENS_WITH_NEGATION = re.compile(NEGATION_CUE)


def _affirmed(pattern: Pattern[str], text: str) -> bool:
    """A match that no negation denies. Where a rule spans several words ("nipples ... cracked"), the
    negation may sit inside it ("nipples not cracked or bleeding"): then the match counts only if one of
    the warning-sign words in it is itself said, not denied."""
    for match in pattern.finditer(text):
        if negated(text, match.start()):
            continue
        # A rule that opens with its own negation ("can't rouse her", "hasn't had a wet diaper") says the
        # sign by negating; only a negation after a rule's first word denies what follows it.
        if not _OPENS_WITH_NEGATION.match(text, match.start()):
            signs = [m for m in _SIGN_WORDS.finditer(text, match.start(), match.end()) if m.start() > match.start()]
            if signs and all(negated(text, m.start()) for m in signs):
                continue
        return True
    return False


# "I think I have mastitis", "mastitis again", "could this be mastitis": the word as a claim, not as a topic.
_MASTITIS_CLAIM = re.compile(
    r"\b((i|i'?ve|ive|i'?m|im) (think |might |may |probably |definitely |totally )?(have|got|getting|developing|have got|"
    r"am getting) "
    r"mastitis|mastitis (again|is back|coming on|starting|setting in)|(could|is|might) (this|it) (be )?mastitis|"
    r"think (it'?s|its|this is) mastitis|feels like mastitis|signs of mastitis (again|now|today)|mastitis (symptoms )?(since|"
    r"for) )"
)
_DIAPER_WORD = re.compile(r"\b(wet (diapers?|nappies|nappy|ones)|diapers?|nappies|nappy|pees|wees)\b")
_LOW_DAY_COUNT = re.compile(r"\b(maybe |only |just |like |about |had )?([0-4]|one|two|three|four)( wet)?"
                            r"( ones| diapers?| nappies)? "
                            r"(today|so far( today)?|all day|in (the last )?24|since (this )?morning)\b")
# safety/MAP.md B1: in the first days a baby wets about as many diapers as her day of life (1 on day 1,
# 2 on day 2, ... at least 6 from day 5), so "day 3, 4 wet so far today" is on track, not too few.
_DAY_OF_LIFE = re.compile(r"\b(?:day|dol) ([1-4])\b|\b([1-4]) days? old\b")
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}


def _enough_for_day_of_life(body: str) -> bool:
    day, count = _DAY_OF_LIFE.search(body), _LOW_DAY_COUNT.search(body)
    if not day or not count:
        return False
    wet = int(count.group(2)) if count.group(2).isdigit() else _COUNT_WORDS[count.group(2)]
    return wet >= int(day.group(1) or day.group(2))


_BOTTLE_REFUSAL = re.compile(r"\b(refus\w*|won'?t take|wont take|rejects?|rejecting) (all |every |any )?(the )?(bottles?)\b")
_FEEDS_FINE = re.compile(r"\b(nurs\w*|breastfeed\w*|feeds?|feeding|eats|eating|latch\w*) (fine|well|great|ok|okay|normally|"
                         r"like a champ)|gaining (well|fine|great|nicely)|"
                         r"(from|for|with) (dh|dad|daddy|my (husband|partner|mum|mom)|"
                         r"daycare|grandma|the (sitter|nanny))\b")
_BLEED = re.compile(r"\b(bleed\w*|bled)\b")
_BLEED_CONTEXT = re.compile(r"\b(nip\w*|breasts?|boobs?|flanges?|milk|pump\w*|bottles?|areolas?|tips?|skin|latch\w*)\b")
_BIRTH_BLEED = re.compile(r"\b(big |heavy )?(bleed\w*|bled)\b[^.?!]{0,20}\b(after|during|since) (the )?(birth|delivery|labou?r|"
                          r"c-?section|"
                          r"giving birth)\b|\b(postpartum|post-partum) (bleed\w*)|\blochia\b|\bperiod\b")
_TWO_BREAST_SIGNS = re.compile(r"\b(red|redness|reddish)\b[^.?!]{0,40}\b(hot|burning|swollen|hard lump|wedge)\b|"
                               r"\b(hot|burning|swollen)\b[^.?!]{0,40}\b(red|redness|reddish)\b")


def _physical_text(clean: str, others: bool = True) -> str:
    """The message with what is not a present sign of the parent's masked out: someone else's fever,
    an episode that is over, a warm compress or a flange ring, a sign they say it was not.

    ``others=False`` keeps what is said about other people: see ``model_flag_is_implausible``."""
    masked = clean
    if others:
        # Someone else's fever first: it reaches to the end of the sentence ("DH has the flu, fever and chills").
        masked = _OTHERS_FEVER.sub(lambda m: m.group(0) if re.search(r"\b(breast|boob|nipple)", m.group(0)) else " ",
                                   masked)
        masked = _OTHERS.sub(lambda m: m.group(0) if re.search(r"\b(breast|boob|nipple)", m.group(0)) else " ", masked)
    masked = _PAST_EPISODE.sub(" ", masked)
    masked = _RESOLVED.sub(" ", masked)
    masked = _HARMLESS_SIGNS.sub(" ", masked)
    masked = without_denied_questions(masked)
    masked = _NEVER_MIND.sub(" ", masked)
    return _RETRACTED.sub(" ", masked)


# "she's fine now", "mine are ok": reassurance, not a claim of a sign.
_FINE_NOW = re.compile(r"\b((she|he|baby|lo)('?s| is)|mine (are|is)|my (nipples?|breasts?|boobs?|baby) (are|is)) "
                       r"(totally |all |perfectly )?"
                       r"(fine|ok|okay|well|healthy|good|great|normal)\b")
_CONDITIONAL = re.compile(r"\b(if|whether|in case|when)\b[^.?!,]*")


def asks_in_general(clean: str) -> bool:
    """A question about signs in general (or for the future) from someone who does not say they have one.

    "if I have mastitis" inside "how do I know if I have mastitis?" is a condition, not a claim.
    """
    claims = _FINE_NOW.sub(" ", _CONDITIONAL.sub(" ", clean))
    return bool(_INFO_QUESTION.search(clean)) and not _FIRST_PERSON_CLAIM.search(claims)


def detect_red_flags(text: str) -> List[RedFlag]:
    """All red flags the phrase rules find in one message, most urgent first.

    Physical signs count only when said, not denied ("no fever", "not bleeding"; see
    ``coach.negation``), not asked about in general ("how do I know if I have mastitis?"), not over
    ("had mastitis in March, all good now"), not harmless look-alikes (a flange ring, a warm compress)
    and not someone else's ("my toddler has a fever").
    """
    clean = normalise(text)
    # Self-harm wording is never cancelled by a negation: "I would never hurt my baby, but the thoughts
    # keep coming" needs support just as much.
    unidiomatic = _PAST_THOUGHTS.sub(" ", _SCREENED_NO.sub(" ", _MOOD_IDIOMS.sub(" ", clean)))
    found = {flag for flag, pattern in _RULES if flag in _NEVER_NEGATED and pattern.search(unidiomatic)}
    general = asks_in_general(clean)
    body = _physical_text(clean)
    mood_text = _PAST_MOOD.sub(" ", _OTHERS.sub(" ", clean))
    if not general and _affirmed(_DEEP_LOW_RE, mood_text):
        found.add(RedFlag.MENTAL_HEALTH)
    if RedFlag.MENTAL_HEALTH not in found and not general and (
            _affirmed(_LOW_MOOD_RE, mood_text) or _affirmed(_PREPARATORY_RE, _PAST_MOOD.sub(" ", clean))):
        found.add(RedFlag.LOW_MOOD)
    if general:
        return sort_by_urgency(found)
    # A cut or blister on a thumb is not a nipple sign; a baby's cracked lips are a baby sign, so this
    # mask is for the nipple rules only.
    nipple_body = _ELSEWHERE.sub(lambda m: m.group(0) if re.search(r"\b(breast|boob|nipple|nip)", m.group(0)) else " ", body)
    # A diaper count on track for the day of life is set aside for the baby's rules (MAP.md B1).
    count = _LOW_DAY_COUNT.search(body) if _enough_for_day_of_life(body) else None
    infant_body = body[:count.start()] + " " + body[count.end():] if count else body
    found |= {flag for flag, pattern in _RULES if flag not in _NEVER_NEGATED | {RedFlag.LOW_MOOD}
              and _affirmed(pattern, nipple_body if flag == RedFlag.NIPPLE_DAMAGE
                            else infant_body if flag == RedFlag.INFANT else body)}
    # Bleeding counts in a message about nipples, breasts or pumping, not after birth or from a cut.
    bleeding = _BLEED_CONTEXT.search(nipple_body) and _affirmed(_BLEED, _BIRTH_BLEED.sub(" ", nipple_body))
    if bleeding:
        found.add(RedFlag.NIPPLE_DAMAGE)
    # "we've had maybe 4 today" after asking about wet diapers: a count under 6 in a day.
    if _DIAPER_WORD.search(body) and _affirmed(_LOW_DAY_COUNT, body) and not _enough_for_day_of_life(body):
        found.add(RedFlag.INFANT)
    # Weight lost, breaths a minute, a temperature: computed, not matched (coach/newborn_numbers.py).
    if baby_sign_in_numbers(body):
        found.add(RedFlag.INFANT)
    # A baby who refuses the bottle but nurses well or gains well is a bottle problem, not a warning sign.
    if _affirmed(_BOTTLE_REFUSAL, body) and not _FEEDS_FINE.search(body):
        found.add(RedFlag.INFANT)
    if _affirmed(_MASTITIS_CLAIM, body):
        found.add(RedFlag.MASTITIS)
    fever = _affirmed(_FEVER_RE, body)
    breast_sign = _affirmed(_BREAST_SIGN_RE, body)
    pain = _affirmed(_PAIN_RE, body)
    if fever and (breast_sign or pain):
        found.add(RedFlag.MASTITIS)
    elif fever:
        found.add(RedFlag.FEVER)
    elif breast_sign and _BREAST_AREA_RE.search(body) and (pain or _affirmed(_TWO_BREAST_SIGNS, body)):
        # A red, hot, painful area is an early mastitis sign even before a fever.
        found.add(RedFlag.MASTITIS)
    return sort_by_urgency(found)


# ---------------------------------------------------------------------------------------------------
# When only the classifier suspects a red flag. The classifier has seen every warning-sign word in
# training, so it also fires on "baby sleeps a lot after feeds" or "red ring from the flange". Its
# suspicion is taken up (with one short check) only when the message holds a warning sign that is
# said, not denied, not reassured away, not a harmless look-alike, not a joke and not a general
# question. Pain or soreness alone is not a red flag: it is the flange's sign, handled by the questions.
_SIGN_WORDS = re.compile(
    r"\b(fever\w*|chills?|shiver\w*|shaking|flu|achy all over|body aches|red|redness|reddish|hot|swollen|swelling|lumps?|wedge|"
    r"streaks?|inflamed|infect\w*|abscess|mastitis|burning|bleed\w*|bled|blood\w*|crack\w*|blister\w*|bleb|scabs?|raw|wounds?|"
    r"torn|ooz\w*|weep\w*|dry (diapers?|nappies|nappy)|diapers? (are |is )?dry|dark (pee|urine|wee)|letharg\w*|floppy|limp|"
    r"unresponsive|rouse|(hard|impossible) to wake|(won'?t|can'?t|cant|wont) wake|(too|very|so|really|super|extremely) sleepy|"
    r"jaundice\w*|yellow (skin|eyes)|dehydrat\w*|sunken|losing weight|lost weight|weight loss|not gaining|refus\w*|"
    r"(few|barely|hardly|only \w+) (wet|diapers?|nappies)|depress\w*|(feel|feeling|felt|been|so|very|really) (low|down|sad)|"
    r"low mood|cry(ing)? (all|every)|tears every|numb|empty|cope|coping|hopeless\w*|worthless|useless|die|dying|dead|death|"
    r"kill\w*|harm\w*|hurt (myself|me|her|him|the baby)|suicid\w*|disappear\w*|vanish\w*|give up|giving up|dark thoughts?|"
    r"intrusive|anymore|breaking|miserable|scared of myself)\b"
)
# Things parents say to reassure: normal diaper counts, a baby gaining, a sign they do not have.
_REASSURANCE = re.compile(
    r"\b(([5-9]|1\d|five|six|seven|eight|nine|ten|eleven|twelve|plenty|lots|loads|tons|heaps|enough|a good number|"
    r"normal number|loads of) (of )?(wet |heavy |pee |wee |dirty |poopy )?(diapers?|nappies|nappy|dipes)|"
    r"(diapers?|nappies|nappy|pee|wee) (are |is |have been )?(fine|normal|good|plenty|wet|heavy|pale)|"
    r"(peeing|weeing|wetting) (loads|lots|plenty|fine|normally|well)|gaining (well|fine|great|"
    r"nicely)|"
    r"(doc|doctor|ped\w*|nurse|midwife|hv|health visitor) (is |was |says |said )?(happy|fine|pleased|not worried|that'?s normal|"
    r"normal)|"
    r"feeding (well|fine|great|ok|okay)|(is |she'?s |he'?s )(fine|healthy|thriving|happy|content)|"
    r"(boobs?|breasts?|nipples?|mine'?s?|mine is|mine are) (are |is |look |looks |seem |feel )?(all )?(fine|ok|okay|normal|good|"
    r"white)|"
    r"numbers are normal)\b|[^.?!]*\b(fades?|goes away|go away|gone by|gone after|back to normal|settles?( down)?|disappears?|"
    r"fine after|fine in|normal after|normal in|after a few min\w*|"
    # Over, or called normal by someone who examined it ("it passed, I feel like myself again",
    # "the nurse said it's urate crystals and normal", "back to birth weight by day 10").
    r"it passed|(has |have )?passed now|(feel|feeling) like myself again|(healthy|healed) now|(has |have )?gained since|"
    r"back (up )?to (her |his )?birth ?weight|(said|says) (it'?s|its|that'?s|thats|this is|it is)( [a-z]+){0,4} normal)\b[^.?!]*"
)
# Jokes and idioms: "I'm dead 😂", "this pump is killing me", "bored to death".
_IDIOMS = re.compile(
    r"\b(i'?m dead|im dead|i'?m dying|im dying|dying (to|of)|killing me|kill for|to die for|could die|dead tired|dead on my feet|"
    r"bored to death|scared to death|dead (battery|pump)|low (battery|supply|output|suction|setting)|feeling down to|"
    r"down (to|from) \d|lets? ?down|letdown|let-down|turn\w* (it |her |him )?(down|up)|slow down|calm down|lie down|sit down|"
    r"put (her|him|them|baby) down|down the drain|flu (shot|jab|vaccine)|how (hot|warm)|too hot|"
    r"(red|pink) (lipstick|marks? from|straps?)|hot (car|day|weather|summer|shower)|warm (car|day)|dark (room|chocolate|roast|"
    r"circles))\b"
)
_JOKE = re.compile(r"(😂|🤣|😅|\blol\b|\blmao\b|\bhaha\w*|\bjk\b)")


def classifier_flag_is_implausible(text: str) -> bool:
    """True when only the classifier sees a red flag in text that holds no present warning sign.

    No affirmed sign word is left once what is not a sign now is set aside: denials ("no fever"),
    reassurances ("6 wet diapers", "goes away after"), look-alikes (a flange ring, a warm compress),
    idioms and jokes, episodes that are over, someone else's illness, and general questions.
    """
    clean = normalise(text)
    if asks_in_general(clean):
        return True
    masked = _set_aside(clean)
    return all(negated(masked, m.start()) for m in _SIGN_WORDS.finditer(masked))


def _set_aside(clean: str, others: bool = True) -> str:
    """The text with what is not a sign now masked out: other body parts, reassurances, idioms, jokes."""
    masked = _physical_text(clean, others)
    masked = _ELSEWHERE.sub(lambda m: m.group(0) if re.search(r"\b(breast|boob|nipple|nip)", m.group(0)) else " ", masked)
    masked = _REASSURANCE.sub(" ", masked)
    masked = _IDIOMS.sub(" ", masked)
    if _JOKE.search(masked):
        masked = re.sub(r"\b(dead|die|dying|kill\w*|cry\w*|tears)\b", " ", masked)
    return masked


def model_flag_is_implausible(text: str, kind: Optional[str] = None) -> bool:
    """True when the red-flag model's suspicion is contradicted by the text itself.

    The model (``coach.safety_model``) was trained on signs told without sign words ("he's like a doll,
    no strength", "writing letters to my kids, just in case"), so, unlike the intent classifier's, its
    suspicion is not dropped for want of a sign word. It is dropped when the message asks in general,
    or when it has sign words and every one of them is denied, reassured, an idiom, a joke, an episode
    that is over or someone else's ("no fever, boobs soft and normal").

    For a suspected ``kind`` of "mood", what is said about other people stays: preparatory acts name
    them ("writing letters to each of my kids", "gave my sister my clothes, I won't need them"), and
    masking them as someone else's news threw those suspicions away.
    """
    clean = normalise(text)
    if _SIGN_WORDS.search(clean):
        return classifier_flag_is_implausible(text)
    if asks_in_general(clean):
        return True
    # With no sign word to weigh, anything that reassures ("7 wet diapers", "wakes for every feed"),
    # closes an episode ("it passed, I feel like myself again") or answers a screening no, outweighs
    # the model: it learnt the topic, and these texts are on the topic without the sign.
    return _set_aside(clean, others=kind != "mood").split() != clean.split() or bool(
        _FINE_NOW.search(clean) or _SCREENED_NO.search(clean) or _PAST_MOOD.search(clean) or _FEEDS_FINE.search(clean))


class SuspectedKind(str, Enum):
    """What a classifier-only suspicion is about, to ask the one check that fits.

    The ``CONFIRM_*`` kinds ask whether a sign the phrase rules found is really happening now, to the
    parent or the baby, when the red-flag model doubts it (``decide``); a yes answers with that flag.
    """
    BREAST = "breast"
    BABY = "baby"
    MOOD = "mood"
    GENERAL = "general"
    CONFIRM_INFANT = "confirm_infant"
    CONFIRM_MASTITIS = "confirm_mastitis"
    CONFIRM_FEVER = "confirm_fever"
    CONFIRM_NIPPLE_DAMAGE = "confirm_nipple_damage"


def suspected_kind(text: str) -> SuspectedKind:
    clean = normalise(text)
    if re.search(r"\b(sad\w*|low|down|depress\w*|cry\w*|tears|numb|empty|cope|coping|alone|hopeless\w*|worthless|die|"
                 r"dying|dead|kill\w*|harm\w*|disappear|give up|dark|thoughts|anymore|point|breaking|lonely|miserable|"
                 r"overwhelm\w*)\b", clean):
        return SuspectedKind.MOOD
    if re.search(r"\b(baby|babe|lo|son|daughter|he|she|him|her|newborn|diaper\w*|nappy|nappies|wet|pee\w*|wee\w*|urine|"
                 r"sleepy|letharg\w*|wake|weigh\w*|gain\w*|jaundice\w*|feeds?)\b", clean):
        return SuspectedKind.BABY
    if re.search(r"\b(breast|boob\w*|nipple\w*|fever\w*|temp\w*|chill\w*|red\w*|hot|lump\w*|blood\w*|bleed\w*|"
                 r"crack\w*)\b", clean):
        return SuspectedKind.BREAST
    return SuspectedKind.GENERAL


def sort_by_urgency(flags: Iterable[RedFlag]) -> List[RedFlag]:
    return sorted(set(flags), key=URGENCY_ORDER.index)


@dataclass(frozen=True)
class SafetyAdvice:
    flags: Tuple[RedFlag, ...]
    text: str


def advice_for(flags: Sequence[RedFlag], clinic: "ClinicContacts") -> SafetyAdvice:
    """The human-contact answer for the flags found; always names who to contact now."""
    flags = tuple(sort_by_urgency(flags or [RedFlag.UNSPECIFIED]))
    parts: List[str] = []
    for flag in flags:
        parts.append(content.text(_MESSAGES[flag], emergency_number=clinic.emergency_number,
                                  crisis_line=clinic.crisis_line))
    parts.append(content.text("safety_clinic_line", name=clinic.name, phone=clinic.phone, hours=clinic.hours,
                              emergency_number=clinic.emergency_number))
    parts.append(content.text("safety_cannot_examine"))
    return SafetyAdvice(flags, "\n\n".join(parts))


class ClinicContacts:  # structural type; coach.clinic.Clinic satisfies it
    name: str
    phone: str
    hours: str
    emergency_number: str
    crisis_line: str


# The text id of each flag's paragraph (content/en/safety.yml).
_MESSAGES = {
    RedFlag.MENTAL_HEALTH: "safety_mental_health",
    RedFlag.INFANT: "safety_infant",
    RedFlag.MASTITIS: "safety_mastitis",
    RedFlag.FEVER: "safety_fever",
    RedFlag.NIPPLE_DAMAGE: "safety_nipple_damage",
    RedFlag.LOW_MOOD: "safety_low_mood",
    RedFlag.UNSPECIFIED: "safety_unspecified",
}


# ---------------------------------------------------------------------------------------------------
# When only the classifier suspects a red flag (or only a soft sign of low mood was found), one short
# check comes before any alarm: an emergency answer to "it's just boring" frightens a parent and teaches
# them to ignore the real one. A yes, an unclear reply or a second suspicion escalates at once.

_FLAG_FOR_KIND = {
    SuspectedKind.MOOD: RedFlag.MENTAL_HEALTH,
    SuspectedKind.BABY: RedFlag.INFANT,
    SuspectedKind.BREAST: RedFlag.UNSPECIFIED,
    SuspectedKind.GENERAL: RedFlag.UNSPECIFIED,
    SuspectedKind.CONFIRM_INFANT: RedFlag.INFANT,
    SuspectedKind.CONFIRM_MASTITIS: RedFlag.MASTITIS,
    SuspectedKind.CONFIRM_FEVER: RedFlag.FEVER,
    SuspectedKind.CONFIRM_NIPPLE_DAMAGE: RedFlag.NIPPLE_DAMAGE,
}
# A sign the rules found in a message the red-flag model scores under this probability is confirmed
# with one question before the alarm: the rules' known misses are look-alikes (someone else's fever,
# an episode that is over, an idiom) that the model learnt from examples. Chosen by 5-fold
# cross-validation on safety/training (eval/safety_model_eval.py --doubt): of the look-alikes the
# rules would alarm on, 0.2 sends 32 through the check instead, at the cost of one question for 17 of
# 420 real signs (which still reach a person on a yes); 0.1 saved 20, 0.3 cost 23 signs for 40.
DOUBT_BELOW = 0.2
# Never doubted: any words of self-harm or of harming the baby reach the crisis line at once.
NEVER_DOUBTED = frozenset({RedFlag.MENTAL_HEALTH})


@dataclass(frozen=True)
class SafetyDecision:
    """Either escalate now with ``flags``, or ask the one check for ``check``."""
    flags: Tuple[RedFlag, ...] = ()
    check: Optional[SuspectedKind] = None


# The red-flag model's kinds (coach.safety_model.KINDS) and the check each is asked with.
MODEL_KIND_CHECK = {"mood": SuspectedKind.MOOD, "baby_unwell": SuspectedKind.BABY, "mastitis": SuspectedKind.BREAST,
                    "nipple_damage": SuspectedKind.BREAST}


def decide(rule_flags: Sequence[RedFlag], text: str, check_pending: Optional[str],
           model_kind: Optional[str] = None, model_probability: Optional[float] = None) -> SafetyDecision:
    """What to do with a message the NLU took for a red flag.

    ``rule_flags`` are the phrase rules' findings (empty when only a classifier suspects one);
    ``check_pending`` is the kind of check already asked, if any; ``model_kind`` is the kind of sign the
    red-flag model suspects, when it was the one to suspect it; ``model_probability`` is the model's
    reading of a message the rules flagged (None when not known: the rules then decide alone).
    """
    sure = [flag for flag in rule_flags if flag not in CHECK_FIRST]
    doubted = (model_probability is not None and model_probability < DOUBT_BELOW and not check_pending
               and not set(sure) & NEVER_DOUBTED)
    if sure and doubted:
        return SafetyDecision(check=SuspectedKind("confirm_" + sort_by_urgency(sure)[0].value))
    if sure:
        return SafetyDecision(flags=tuple(sort_by_urgency(sure)))
    if RedFlag.LOW_MOOD in rule_flags:
        kind = SuspectedKind.MOOD
    elif model_kind in MODEL_KIND_CHECK:
        kind = MODEL_KIND_CHECK[model_kind]
    else:
        kind = suspected_kind(text)
    if check_pending:
        # A second suspicion right after a check: no more questions.
        pending_kind = SuspectedKind(check_pending) if check_pending in SuspectedKind._value2member_map_ else kind
        return SafetyDecision(flags=(_FLAG_FOR_KIND[pending_kind],))
    return SafetyDecision(check=kind)


def escalation_flag(kind: Optional[str]) -> RedFlag:
    """The flag whose advice answers a "yes" to the check of this kind."""
    if kind in SuspectedKind._value2member_map_:
        return _FLAG_FOR_KIND[SuspectedKind(kind)]
    return RedFlag.UNSPECIFIED


_CHECK_NO = re.compile(r"\b(no+|nope|nah|not really|not at all|none|nothing( like that)?|neither|never|all good|all fine|"
                       r"i'?m (fine|ok|okay|good|alright)|im (fine|ok|okay|good|alright)|we'?re (fine|ok|good)|"
                       r"(she|he|baby)'?s? (fine|ok|okay|good|great)|just (tired|bored|sore)|negative)\b")
_CHECK_YES = re.compile(r"\b(yes|yeah+|yep|yup|ya|yea|sure|definitely|kind of|kinda|a bit|a little|maybe|i think so|"
                        r"sort of|sometimes|possibly|probably|i do|she is|he is|it is|they are|afraid so|actually)\b")


def read_check_reply(text: str, intent: Optional[str] = None) -> str:
    """"yes", "no" or "unclear" for a reply to a safety check. Any hedge counts as yes: safety first."""
    clean = normalise(text)
    says_yes = bool(_CHECK_YES.search(clean)) or intent == "affirm"
    says_no = bool(_CHECK_NO.search(clean)) or intent == "deny"
    if says_yes and not (says_no and re.match(r"(no|nope|nah)\b", clean) and not re.search(r"\b(but|although|though)\b", clean)):
        return "yes"
    if says_no:
        return "no"
    return "unclear"
