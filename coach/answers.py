"""Read troubleshooting answers out of free text.

Quick-reply buttons send their own title as plain text, so a tapped button and a typed answer go
through the same reader, and no button can smuggle a slot value past it.

Each question has one reader, tried in three steps (``read_reply``):
1. the specific reading: words that carry the answer ("only drips", "21mm", "rubs", "at work"), with
   negation handled by ``coach.negation`` ("doesn't hurt" is no pain, "i don't hate it, it just
   hurts" is not hate and is pain);
2. a hedge ("not sure", "idk", "sometimes", "kind of", "i think so") is an answer as well: recorded as
   ``unsure``, or as the partial value the question has (a bit sore; stressed at times), so the person
   is never asked the same thing again for saying they cannot tell;
3. a bare yes or no, which only means something as the reply to the question just asked.
Steps 2 and 3 run only when the message is a reply, not a new question of its own: "is coconut oil
ok?" must not count as "pumping is fine".

``VOLUNTEERED`` readers run on every message, asked or not (someone may mention their pump in
passing); they use only step 1.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, Mapping, Optional, Pattern, Tuple

from coach.negation import after_correction, find_affirmed, find_negated, hedge, negated, without_denied_questions
from coach.safety import normalise

Parser = Callable[[str], Optional[str]]
UNSURE = "unsure"

_YES = re.compile(r"\b(yes|yess+|yeah+|yea|yep|yup|ya|yah|yas|sure|definitely|absolutely|of course|it does|they do|"
                  r"she does|he does|uh huh|correct|true|totally|very much|for sure|si|oui|ja)\b")
_NO = re.compile(r"\b(no+|nope|nah|not really|not at all|never|nothing|neither|not much|nay|negative)\b")


def _c(pattern: str) -> Pattern[str]:
    return re.compile(pattern)


def yes_no(text: str) -> Optional[str]:
    """A bare yes or no. "no" wins over "yes" ("yes... well no"); hedges are read elsewhere."""
    clean = normalise(text)
    if _NO.search(clean):
        return "no"
    if _YES.search(clean):
        return "yes"
    return None


def looks_like_question(text: str) -> bool:
    """A message that asks something of its own rather than answering ("is 24mm too big?")."""
    clean = normalise(text)
    if clean.endswith("?") and not re.fullmatch(r"[\w\s']{0,12}\?+", clean):
        return True  # "size 24?" is an unsure answer, "is 24 too big?" a question
    if re.match(r"(is|it'?s|its) (ok|okay|fine|good|alright)\b", clean):
        return False  # "is ok i guess" answers
    return bool(re.match(r"(wait,? )?(how|what|why|when|where|which|who|should|can|could|would|will|is|are|am|do|does|did|was|"
                         r"were|"
                         r"has|have|any tips|tips for|help me)\b", clean)) and len(clean.split()) > 3


# ---------------------------------------------------------------------------------------------------
# pump type
_ELECTRIC = _c(r"\b(electric|plug(ged)?[- ]?in|plugs in(to)?|plug (it|them) in|wall|pump in style|pis|motif|double pump|"
               r"insurance pump)\b")
# Each pattern is matched as whole words: "usb" inside "husband" or "in bra" inside "15 min brake" is
# no pump (both misread parents' answers on eval/corpus, 2026-11-29).
_PUMP_TYPES = (
    ("hospital_grade", _c(r"\b(hospital[- ]?grade|hospital (pump|one|machine)|rental|rented|renting|rent|symphony|"
                          r"ameda platinum|lactina|from the hospital|multi[- ]?user)\b")),
    ("wearable", _c(r"\b(wearables?|hands[- ]?free|in[- ]?bra|in my bra|elvie|willow|momcozy|mom cozy|freemie|imani|eufy|"
                    r"cups? (that )?(go|sit|fit)s? in|s12|s9|m5|tsrete|bellababy wearable)\b")),
    ("manual", _c(r"\b(manual|hand pump|hand[- ]?held|handheld|haakaa|haaka|harmony|squeez\w*|lever|by hand|silicone pump|"
                  r"hand[- ]?operated|pump by hand)\b")),
    ("battery", _c(r"\b(battery|batteries|rechargeable|cordless|portable|usb|no (cable|cord|plug)|baby buddha|babybuddha|"
                   r"zomee fit|freestyle|mini electric|spectra ?s?9|mya( joy)?)\b")),
    ("electric", _ELECTRIC),
)
# A maker's name alone says "electric" only when no kind of pump is named: Medela, Lansinoh and Spectra
# sell hand, battery and wearable pumps too ("ameda mya joy ... on battery" is a battery pump).
_ELECTRIC_BRANDS = _c(r"\b(spectra(?! ?s?9)|medela(?! (harmony|freestyle|symphony|manual|hand))|lansinoh|ameda|"
                      r"bellababy|zomee|evenflo|tommee( tippee)?|philips|avent|unimom|cimilre)\b")
# "electric" said of a pump that runs on a battery ("small electric, no cable, charges by usb").
_GENERIC_ELECTRIC = _c(r"\b(electric)\b")


def pump_type(text: str) -> Optional[str]:
    """The kind of pump named first ("manual, the elvie curve and a cheap hand pump" is manual)."""
    clean = normalise(text)
    found = [(match.start(), rank, value) for rank, (value, pattern) in enumerate(_PUMP_TYPES)
             for match in [pattern.search(clean)] if match]
    if not found:
        return "electric" if _ELECTRIC_BRANDS.search(clean) else None
    kinds = {value for _, _, value in found}
    first = min(found)[2]
    if first == "electric" and "battery" in kinds and not _ELECTRIC.search(_GENERIC_ELECTRIC.sub(" ", clean)):
        return "battery"  # the only electric word is "electric" itself, and a battery is named
    return first


# ---------------------------------------------------------------------------------------------------
# pain
_PAIN = _c(r"\b(hurts?|hurting|hurted|pain\w*|sore\w*|pinch\w*|ouch|ow+|agony|burn\w*|sting\w*|tender|"
           r"uncomfortable|discomfort|achy|aches?|raw|stabb\w*|excruciating|unbearable|torture|killing me|brutal)\b")
_STRONG = _c(r"\b(really|very|so|super|extremely|a lot|lots|so much|too much|much|agony|excruciating|unbearable|awful|terrible|"
             r"killing me|like hell|torture|brutal|horribl\w*|every time|crazy|insane\w*|badly|bad)\b")
_MILD = _c(r"\b(a bit|a little|little|bit|slightly|slight|kinda|kind of|sort of|somewhat|mild\w*|at first|at the start|"
           r"in the beginning|sometimes|only|just|tiny|not too|not that|not very|not really|more)\b")
_COMFORTABLE = _c(r"\b(painless|comfortable|comfy|feels (fine|ok|okay|good|normal)|no problem|pain[- ]free)\b")
# Weak words: "fine" means no pain only as the reply to "Does pumping hurt?", never in passing.
_FINE = _c(r"\b(fine|ok|okay|alright|all right|all good|good|normal|nothing|great)\b")


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end]: up to the nearest comma, full stop or "but" on each side."""
    left = max((m.end() for m in re.finditer(r"[,.;!?]|\bbut\b", text[:start])), default=0)
    stops = (start + m.start() for m in re.finditer(r"[,.;!?]|\bbut\b", text[start:end + 40]))
    right = next((at for at in stops if at >= end), len(text))
    return text[left:right]


# Pain somewhere else: a hand pump's "my hand is killing me", a sore back from hunching. A clause that
# names another body part and no breast word says nothing about the flange or the suction.
_ELSEWHERE = _c(r"\b(hands?|wrists?|arms?|back|neck|shoulders?|head|thumbs?|fingers?|fingertips|legs?|feet|knees?|"
                r"c-?section|incision|stitches|scar|tooth|teeth)\b")
_BREAST_WORD = _c(r"\b(nipples?|breasts?|boobs?|areolas?|chest|flanges?|tunnel|suction)\b")
# "burning through my stash" spends milk, it does not hurt.
_NOT_PAIN = _c(r"\bburn\w* (through|thru) ")


def _breast_pain(clean: str) -> "Optional[re.Match[str]]":
    """The first affirmed pain word that is about pumping, not about a hand, a back or a freezer stash."""
    for match in _PAIN.finditer(clean):
        if negated(clean, match.start()) or _NOT_PAIN.match(clean, match.start()):
            continue
        near = _clause(clean, match.start(), match.end())
        if _ELSEWHERE.search(near) and not _BREAST_WORD.search(near):
            continue
        return match
    return None


def pumping_pain(text: str) -> Optional[str]:
    clean = normalise(text)
    pain = _breast_pain(clean)
    if pain:
        # Grade from the words around the pain word. Pinching, rubbing and burning are the flange's
        # own signs and count as real pain; a plain "hurts" or "sore" is some pain unless stressed.
        near = _clause(clean, pain.start(), pain.end())
        strong = _STRONG.search(near) and not re.search(r"\b(not (too|that|very|so)|a bit|a little|slightly|just|only)\b", near)
        if strong or re.match(r"(pinch|burn|agony|excruciating|unbearable|torture|killing|brutal|stabb)", pain.group(0)):
            return "painful"
        return "some"
    if find_negated(_PAIN, clean) or find_affirmed(_COMFORTABLE, clean):
        return "none"
    return None


def _pain_reply(text: str) -> Optional[str]:
    """A bare reply to "Does pumping hurt?": "no" means no pain, a bare "yes" that it hurts."""
    kind = hedge(normalise(text))
    if kind == "partly":
        return "some"
    if kind == "unsure":
        return UNSURE
    answer = yes_no(text)
    if answer is None and find_affirmed(_FINE, normalise(text)):
        return "none"
    if answer is None and re.search(r"\bnone\b", normalise(text)):
        return "none"
    return {"no": "none", "yes": "painful"}.get(answer or "")


# ---------------------------------------------------------------------------------------------------
# fullness
_FULL = _c(r"\b(full|fullness|engorged|heavy|hard|firm|tight|rock|lumpy|milk (left|still)|still (milk|some milk)|not empty|"
           r"not emptied|never empty|leak\w*)\b")
_SOFT = _c(r"\b(soft|softer|empty|emptied|floppy|deflated|drained|squishy|nothing (left|in there))\b")


def breasts_feel_full(text: str) -> Optional[str]:
    clean = normalise(text)
    soft = find_affirmed(_SOFT, clean)
    full = find_affirmed(_FULL, clean)
    if full and not (soft and soft.start() > full.start()):
        return "yes"
    if soft or find_negated(_FULL, clean):
        return "no"
    return None


# Said in passing, fullness words only count next to the breasts ("full time job" says nothing).
_BREASTS_FULL_IN_PASSING = _c(r"\b(breasts?|boobs?|boobies|chest|they|both sides)\b[^.?!]{0,25}\b(feel|felt|are|get|r|still|"
                              r"stay)\b"
                              r"[^.?!]{0,15}\b(full|engorged|heavy|hard|soft|empty|rock hard)\b")


_FULL_IN_PASSING = _c(r"\b((i'?m|im|i am|i feel|i'?m so) (so |very |really )?(full|engorged)|"
                      r"(breast|boob|breasts|boobs) (is|are|feel|feels|r) (very |so |really |still )?(full|hard|engorged|heavy)|"
                      r"full but|hard (like|as) (a )?(stone|rock))\b")


def breasts_feel_full_volunteered(text: str) -> Optional[str]:
    clean = normalise(text)
    match = _BREASTS_FULL_IN_PASSING.search(clean)
    if match:
        return breasts_feel_full(match.group(0))
    return "yes" if find_affirmed(_FULL_IN_PASSING, clean) else None


# ---------------------------------------------------------------------------------------------------
# flow
_DRIPS = _c(r"\b(drip\w*|drop\w*|dribbl\w*|trickl\w*|beads?|nothing (comes|happens)|never (sprays?|flows?|starts?|speeds?)|"
            r"no let ?-?down|no letdown|no spray\w*|doesn'?t (spray|flow|start|speed)|doesnt (spray|flow|start|speed)|"
            r"stays slow|just sits there)\b")
_SPRAYS = _c(r"\b(spray\w*|stream\w*|flows?|flowing|gush\w*|squirt\w*|let ?-?s? ?down|letdown|lets down|let down (happens|comes|"
             r"kicks)|"
             r"tingl\w*|pins and needles|speeds? up|picks? up|starts (flowing|spraying|coming)|comes faster|faster)\b")


# A let-down that comes with the baby or by hand but not with the pump answers the pump question "no"
# (the article's reason 4): "only lets down when she nurses", "with the pump alone i don't think it
# happens", "hand expressing gets milk, the pump nothing".
_ONLY_WITHOUT_PUMP = _c(
    r"\b((only|just|mostly)( \w+){0,3} (when|while|if|with) (she|he|baby|the baby|lo|my baby|bub|my son|my daughter) "
    r"(is )?(nurs\w*|latch\w*|feed\w*|breastfe\w*|on the breast|suck\w*|cries|crying)|"
    r"(only|just|mostly) (with (her|him|the baby|baby|my baby|lo|bub)|for (her|him|the baby|baby|lo)|when nursing|"
    r"at the breast|on the breast|by hand|when i hand express)|"
    r"(with|on|using) (the )?pump (alone|only|by itself)|pump alone|"
    r"(not|never|doesn'?t|doesnt|don'?t|dont|won'?t|wont)( \w+){0,4} (with|on|from|using) (the|my) pump|"
    r"(hand express\w*|by hand)( \w+){0,4} (works|gets|get|sprays|flows)[^.?!]{0,40}\bpump\b)")


def milk_flow_starts(text: str) -> Optional[str]:
    clean = normalise(text)
    if _ONLY_WITHOUT_PUMP.search(clean):
        return "no"
    spray = find_affirmed(_SPRAYS, clean)
    drips = find_affirmed(_DRIPS, clean)
    # Any spray counts ("sprays at first then drips": a let-down came), unless it is "only a spray or two".
    if spray and not re.search(r"\b(only|just)\b[^.]{0,10}$", clean[: spray.start()]):
        return "yes"
    if drips or find_negated(_SPRAYS, clean):
        return "no"
    return None


# ---------------------------------------------------------------------------------------------------
# feelings
_HATE = _c(r"\b(hate\w*|hating|loathe|detest|dread\w*|despise|can'?t stand|cant stand|miserable|awful|horrible|torture|"
           r"worst|the worst|resent\w*|sucks|nightmare)\b")
_STRESS = _c(r"\b(stress\w*|anxious|anxiety|nervous|worried|worry\w*|tense|pressure\w*|overwhelm\w*|frustrat\w*|panic\w*|"
             r"upset|guilt\w*|failure|failing|awkward|embarrass\w*|self[- ]conscious|on edge|freak\w* out|obsess\w*|"
             r"scared|afraid|rushed|hurry|hurried|clock[- ]?watch\w*|staring at|watching the (bottle|ml|ounce)|defeated|"
             r"cry\w*|tears|upsetting|discourag\w*)\b")
_CALM = _c(r"\b(calm|relaxed|relaxing|chill|no problem|don'?t mind|dont mind|do not mind|enjoy\w*|like it|love it|"
           r"neutral|happy|used to it|no big deal|boring|bored|tedious|chore|annoying|peaceful|zen|no feelings|"
           r"fine with (it|me)|ok with it|okay with it)\b")


# Feelings strong enough to outweigh a reply that opens with "ok" or "fine".
_STRONG_FEELING = _c(r"\b(anxious|anxiety|stress\w*|nervous|scared|afraid|panic\w*|hate\w*|hating|dread\w*|"
                     r"overwhelm\w*|can'?t stand|cant stand|miserable)\b")


def pumping_feelings(text: str) -> Optional[str]:
    clean = normalise(text)
    if find_affirmed(_HATE, clean):
        return "hate"
    if find_affirmed(_STRESS, clean):
        return "stressed"
    if find_negated(_HATE, clean) or find_negated(_STRESS, clean) or find_affirmed(_CALM, clean):
        return "calm"
    return None


def _feelings_reply(text: str) -> Optional[str]:
    kind = hedge(normalise(text))
    return UNSURE if kind == "unsure" else None


# ---------------------------------------------------------------------------------------------------
# suction
_OF_SCALE = _c(r"\b(\d{1,2})\s*(?:/|out of|of)\s*(\d{1,2})\b")
_LEVEL = _c(r"\b(?:level|setting|lvl|on|at|number|#)\s*(\d{1,2})\b|^\s*(\d{1,2})\s*$|\blike (\d{1,2}) or \d{1,2}\b")


def suction_level(text: str) -> Optional[str]:
    clean = normalise(text)
    scale = _OF_SCALE.search(clean)
    if scale and int(scale.group(2)) > 0 and int(scale.group(1)) <= int(scale.group(2)):
        share = int(scale.group(1)) / int(scale.group(2))
        return "high" if share >= 0.75 else "low" if share <= 0.34 else "medium"
    levels = (
        ("high", r"\b(high\w*|max\w*|full blast|full power|strongest|all the way( up)?|top setting|as high|cranked|as strong as|"
                 r"strong as|as much as i can|most it goes|the top( one)?|top level|(press|squeeze|pump)\w* (it )?(really |very |"
                 r"so )?(hard|strong))\b"),
        ("low", r"\b(low\w*|min\w*|gentle|weakest|lightest|soft setting|barely on)\b"),
        ("medium", r"\b(medium|med[iu]*u?m|meduim|mid\w*|middle|moderate|normal|average|halfway|half way|comfortable|comfy|"
                   r"in between)\b"),
    )
    # The level named first is the answer: "medium-ish, i tried the highest once" is medium.
    found = [(match.start(), value) for value, pattern in levels for match in [re.search(pattern, clean)]
             if match and not negated(clean, match.start())]
    if found:
        return min(found)[1]
    level = _LEVEL.search(clean)
    if level:
        value = int(next(g for g in level.groups() if g))
        return "low" if value <= 3 else "medium" if value <= 7 else "high"
    return None


def _unsure_reply(text: str) -> Optional[str]:
    return UNSURE if hedge(normalise(text)) == "unsure" else None


# ---------------------------------------------------------------------------------------------------
# flange size
_MM = _c(r"\b(\d{1,2}(?:[.,]\d)?)\s*(?:mm|millimet(?:er|re)s?|mil)\b|\b(?:size|flange|flanges|shield|shields|the|a|using|use|"
         r"with|got|have|its|it'?s|are|is)\s+(\d{2}(?:[.,]\d)?)(?:s)?\b|\b(\d{2})s\b")


def flange_size_mm(text: str) -> Optional[float]:
    """A flange size in millimetres, if the text names a plausible one (flanges come in 12-36 mm)."""
    match = _MM.search(normalise(text))
    if not match:
        return None
    value = float(next(g for g in match.groups() if g).replace(",", "."))
    return value if 10 <= value <= 40 else None


def flange_size(text: str) -> Optional[str]:
    mm = flange_size_mm(text)
    clean = normalise(text)
    if mm is not None:
        if mm < 24 or (mm == 24 and re.search(r"\b(under|below|smaller than|less than)\s+24", clean)):
            return "under_24"
        return "24_or_more"
    if re.search(r"\b(under|below|smaller than|less than) 24\b", clean):
        return "under_24"
    if re.search(r"\b(never measured|came with|default|whatever size|standard|the normal|original|stock|no idea what size|"
                 r"size (m|l|s|medium|large|small))\b", clean):
        return UNSURE
    return None


def _flange_size_reply(text: str) -> Optional[str]:
    clean = normalise(text)
    bare = re.fullmatch(r"\D{0,20}?(\d{2}(?:[.,]\d)?)(?!\d)(\D.*)?", clean)
    if bare and 10 <= float(bare.group(1).replace(",", ".")) <= 40:
        return flange_size(f"{bare.group(1)} mm")
    return _unsure_reply(text)


# ---------------------------------------------------------------------------------------------------
# flange fit
_POOR_FIT = _c(r"\b(rubs?|rubbing|rubbed|red (rings?|marks?|circles?|lines?)|rings?|marks?|pinch\w*|blanch\w*|white (tip|nipple)|"
               r"swell\w*|swollen|too (small|big|large|tight|loose)|(does|do)n'?t fit|dont fit|doesnt fit|not fit|bad fit|"
               r"poor fit|wrong size|too much (areola|of the areola)|pulls? (in )?too much|sucks in too much|"
               r"hits the (sides?|walls?)|scrap\w*|chaf\w*|squish\w*|hurts?|painful|sore|goes white|turns white|went white|"
               r"puffy)\b")
# Areola drawn into the tunnel. The article (section "Pump parts need adjustments", and its tips) says
# that is fine as long as it does not hurt: it counts as a poor fit only beside pain or swelling.
_AREOLA_DRAWN = _c(r"\b(areolas? (\w+ ){0,3}(pulled|sucked|drawn|dragged|pulls|sucks|goes|go|gets) (\w+ )?(in|into|down)|"
                   r"(pulled|sucked|drawn) (way |right |all the way )?(in|into|down) (the )?(tunnel|flange)|"
                   r"(way|far|all the way|almost to the end) (down|into|in) the tunnel)\b")
_GOOD_FIT = _c(r"\b(fits? (fine|well|ok|okay|good|great|perfect\w*)|good fit|centered|centred|moves freely|no rub\w*|perfect fit|"
               r"comfortable|comfy|no (problems?|issues?|trouble|marks?|red\w*)|nothing (red|wrong|rubs))\b")


def flange_fit(text: str) -> Optional[str]:
    """A sign of a poor fit anywhere wins: "my nipple doesn't rub, but lots of areola gets pulled in" is poor."""
    clean = normalise(text)
    if find_affirmed(_POOR_FIT, clean) or find_affirmed(_AREOLA_DRAWN, clean) and _breast_pain(clean):
        return "poor"
    if find_negated(_POOR_FIT, clean) or find_affirmed(_GOOD_FIT, clean):
        return "fine"
    return None


_FIT_IN_PASSING = _c(r"\b(flange|flanges|shield|shields|tunnel|nipple|nipples|areola|areolas)\b[^.?!]{0,40}\b("
                     r"rubs?|rubbing|red (rings?|marks?)|rings?|marks?|pinch\w*|too (small|big|tight)|(does|do)n'?t fit|"
                     r"doesnt fit|dont fit|swell\w*|swollen|puffy|blanch\w*|too much (areola|of the areola)|"
                     r"pulls? (in )?too much)|"
                     r"\b(red (rings?|marks?)|rubs?|rubbing|too much areola)\b"
                     r"[^.?!]{0,25}\b(flange|flanges|shield|tunnel|nipple)")


def flange_fit_volunteered(text: str) -> Optional[str]:
    match = _FIT_IN_PASSING.search(normalise(text))
    return flange_fit(match.group(0)) if match else None


# ---------------------------------------------------------------------------------------------------
# away from the baby
_AWAY = _c(r"\b(at work|work|office|job|shift|away from (him|her|baby|my baby|the baby|them)|nicu|hospital|daycare|"
           r"day care|nursery|separated|commut\w*|on the road|travel\w*|while (he|she|baby) (is|'s) (at|with)|"
           r"grandma|nanny|sitter|not with (me|baby))\b")
_WITH_BABY = _c(r"\b(at home with|home with (him|her|baby|the baby|my baby|them)|right (next to|beside) me|next to me|"
                r"in my arms|while (he|she|baby) (naps|sleeps|nurses|feeds)|other side|same room|with (him|her|baby) "
                r"(right )?there|stay at home|stay-at-home|sahm|on leave|maternity leave|work from home|wfh)\b")


def away_from_baby(text: str) -> Optional[str]:
    clean = normalise(text)
    if find_affirmed(_WITH_BABY, clean):
        return "no"
    if find_affirmed(_AWAY, clean):
        return "yes"
    if find_negated(_AWAY, clean):
        return "no"
    return None


_AWAY_IN_PASSING = _c(r"\b(at work|back at work|i'?m away|away at|while (i'?m )?away|in the office|at the office|at my desk|"
                      r"at school|at the salon|"
                      r"in the nicu|nicu|special care|scbu|on the ward|on (my|a) (break|shift)|on trips|"
                      r"between (meetings|showings|clients|classes|patients)|in my car|"
                      r"away from (him|her|baby|my baby|the baby|them)|(stays?|staying|is) with my (mother|mom|mum)|"
                      r"work full[- ]time|at my job|during (my )?shifts?|in the (staff )?(toilet|bathroom|closet|"
                      r"supply closet))\b")
_HOME_IN_PASSING = _c(r"\b(work(ing)? from home|wfh|at home with|home with (him|her|baby|the baby|them)|next to (me|her bed|"
                      r"his bed)|"
                      r"on (maternity|parental) leave|stay at home)\b")


def away_from_baby_volunteered(text: str) -> Optional[str]:
    clean = normalise(text)
    if _HOME_IN_PASSING.search(clean):
        return None  # at home, or beside the baby in hospital: not clear enough to record either way
    return "yes" if find_affirmed(_AWAY_IN_PASSING, clean) else None


# Said in passing, only the "no" of the flow question is clear: "only drips", "full but drips".
_NO_FLOW_IN_PASSING = _c(r"\b((only|just|mostly) (get |gets |getting )?(drips|dribbles|drops)|drips mostly|(full|hard) but "
                         r"(it )?(drips|only drips|nothing)|(never|doesn'?t|doesnt|won'?t|wont) (spray|let ?down|flow)|"
                         r"no let ?-?down|no spray\w*)\b")


def milk_flow_starts_volunteered(text: str) -> Optional[str]:
    return "no" if find_affirmed(_NO_FLOW_IN_PASSING, normalise(text)) else None


# ---------------------------------------------------------------------------------------------------
# parts: worn, old or mismatched valves, membranes, connectors
_WORN_PARTS = _c(r"\b(old|older|worn\w*|wear(ing)? out|stretch\w*|torn|tear|ripped|rip|crack\w*|split|floppy|flimsy|holes?|"
                 r"loose|leak(s|y|ing)? air|lost (its|their|the) (seal|suction)|second ?-?hand|used one|pre-?owned|"
                 r"hand[- ]me[- ]downs?|borrowed|passed down|years? old|from my (first|older|last|other)|"
                 r"(since|from) (birth|the hospital|day one|my first)|"
                 r"(haven'?t|havent|never|not) (ever )?(been )?(changed|replaced|swapped|bought new)|"
                 r"(different|other|another|mixed|mismatched) (brands?|pumps?'?s?|makes?)|mix(ed)? (and|n) match\w*|"
                 r"(don'?t|dont|doesn'?t|doesnt) (match|fit (the|my|this) pump)|knock[- ]?off|generic|third[- ]party|"
                 r"off[- ]brand|missing|lost (one|the|a) )\b")
_GOOD_PARTS = _c(r"\b(new|newish|brand new|replaced|changed|swapped|fresh|(came|come|comes) with (it|the pump)|original|"
                 r"all (the )?(same|original|matching)|match(ing)?|(fine|good|ok|okay|great) (shape|condition)|"
                 r"in (good|great|fine|ok) (shape|condition|nick)|last (week|month)|few weeks ago)\b")


def parts_condition(text: str) -> Optional[str]:
    """A sign of wear or a part that does not belong wins: "new flanges but the valves are from my first pump"."""
    clean = normalise(text)
    if find_affirmed(_WORN_PARTS, clean):
        return "worn"
    if find_affirmed(_GOOD_PARTS, clean) or find_negated(_WORN_PARTS, clean):
        return "fine"
    return None


_PARTS_WORDS = _c(r"\b(valves?|membranes?|duckbills?|diaphragms?|backflow|connectors?|adapters?|tubing|tubes?|"
                  r"parts|second ?-?hand|hand[- ]me[- ]down|borrowed)\b")


def parts_condition_volunteered(text: str) -> Optional[str]:
    """Only wear said beside a part ("the valves are ancient", "a second-hand pump"): "old" alone is not."""
    clean = normalise(text)
    match = _PARTS_WORDS.search(clean)
    if not match:
        return None
    return "worn" if parts_condition(_clause(clean, match.start(), match.end())) == "worn" else None


# ---------------------------------------------------------------------------------------------------
# let-down with the baby or by hand
_FLOWS_FOR_BABY = _c(r"\b(gulp\w*|swallow\w*|chokes?|choking|sputter\w*|milk (everywhere|all over)|gets? (plenty|lots|loads|"
                     r"enough|a lot)|drinks? (plenty|lots|well)|full (and|&) (content|happy|satisfied)|soaks?|soaked|leak\w*|"
                     r"other side (leaks|drips|sprays)|more by hand|hand express\w* (works|gets|is better))\b")


def let_down_with_baby(text: str) -> Optional[str]:
    clean = normalise(text)
    if _ONLY_WITHOUT_PUMP.search(clean) or find_affirmed(_FLOWS_FOR_BABY, clean):
        return "yes"
    if re.search(r"\b(never|haven'?t|havent|not|didn'?t|didnt) (really |ever )?(tried|done|do) (it |that )?(by hand|hand|"
                 r"hand express\w*)", clean):
        return UNSURE  # never expressed by hand: nothing to tell by, unless nursing said otherwise above
    spray = find_affirmed(_SPRAYS, clean)
    if spray:
        return "yes"
    if find_negated(_SPRAYS, clean) or find_affirmed(_DRIPS, clean) or re.search(
            r"\b(not (then|there) either|(same|nothing) (then|there|either)|neither|not with (her|him|the baby) either|"
            r"not much (then|either)|(same|just as) (bad|little))\b", clean):
        return "no"
    if _NOT_NURSING.search(clean) and not re.search(r"\bhand\b", clean):
        return UNSURE  # no nursing and no hand expression to tell by
    return None


def let_down_with_baby_volunteered(text: str) -> Optional[str]:
    """Said in passing, only the article's parent is clear: it flows for the baby or by hand, not the pump."""
    return "yes" if _ONLY_WITHOUT_PUMP.search(normalise(text)) else None


# ---------------------------------------------------------------------------------------------------
# breasts ever full
_NEVER_FULL = _c(r"\b(never|rarely|hardly( ever)?|barely|not (really|often|usually|much)|always soft|soft all the time|"
                 r"never (feel|felt|get|got) (full|engorged)|don'?t (feel|get) full|dont (feel|get) full|not since)\b")


def breasts_ever_full(text: str) -> Optional[str]:
    clean = normalise(text)
    if _NEVER_FULL.search(clean) or re.search(r"\b(always|pretty much always|usually) (soft|empty)\b", clean):
        return "no"
    if re.search(r"\bmostly no\b", clean):
        return "no"
    if find_affirmed(_FULL, clean) or re.search(r"\b(mornings?|overnight|when i (skip|miss)|if i (skip|miss|wait)|all the time|"
                                                 r"often|leak\w*|always|constantly|every (day|morning|night))\b", clean):
        return "yes"
    if find_negated(_FULL, clean) or find_affirmed(_SOFT, clean):
        return "no"
    return None


_EVER_FULL_IN_PASSING = _c(r"\b(breasts?|boobs?|they)\b[^.?!]{0,15}\b(never|rarely|hardly ever|always)\b[^.?!]{0,12}"
                           r"\b(feel|felt|get|are)?\s*(full|engorged|soft|empty)\b|\bnever (feel|get|felt|got) (full|engorged)\b")


def breasts_ever_full_volunteered(text: str) -> Optional[str]:
    match = _EVER_FULL_IN_PASSING.search(normalise(text))
    return breasts_ever_full(match.group(0)) if match else None


# ---------------------------------------------------------------------------------------------------
# nursing and weight
_NOT_NURSING = _c(r"^\W*(i'?m )?(only|just) pumping\b|\b(ep|eping|exclusively pump\w*|exclusive pump\w*|i (only|just) pump|"
                  r"only pumping (now|for him|for her)|"
                  r"doesn'?t nurse|doesnt nurse|not (breast)?feeding (at the breast|directly)|don'?t (breast|direct)feed|"
                  r"dont (breast|direct)feed|never latched|won'?t latch|wont latch|can'?t latch|cant latch|doesn'?t latch|"
                  r"doesnt latch|bottle only|bottle fed|bottle feed\w*|only bottles?|formula only|tongue tie\w* (and|so) (bottle|"
                  r"pump)|"
                  r"refuses the breast|breast refusal|exclusiv\w* pump\w*|not take the breast|won'?t take the breast|"
                  r"(feeding )?tube|ng tube|not allowed to (nurse|breastfeed)|can'?t (nurse|breastfeed) (yet|him|her))\b")
_NURSING_BAD = _c(r"\b(hard|bad|difficult|struggl\w*|painful|rough|tough|awful|nightmare|not (great|good|well|easy)|fuss\w*|"
                  r"screams?|frustrat\w*|pulls? off|pops? off|falls asleep|hours|forever|constantly|always hungry|"
                  r"never (satisfied|full|content)|shallow latch|bad latch|poor latch|latch (is )?(bad|poor|shallow)|clicks?|"
                  r"cluster\w* all|on the boob all|needs? (a )?top[- ]?ups?|top(ping)? (him|her|up)|supplement\w*|"
                  r"formula after)\b")
_NURSING_GOOD = _c(r"\b(well|great|easy|no (problem|problems|issues?|trouble)|champ|pro|like a pro|perfect\w*|"
                   r"beautiful\w*|amazing|awesome|content|no complaints|going strong|(fine|good|ok|okay) (at|on|"
                   r"from) the (breast|boob))\b")


def nursing_goes_well(text: str) -> Optional[str]:
    clean = normalise(text)
    if _NOT_NURSING.search(clean):
        return "not_nursing"
    if find_affirmed(_NURSING_BAD, clean) or find_negated(_NURSING_GOOD, clean):
        return "no"
    if find_affirmed(_NURSING_GOOD, clean):
        return "yes"
    return None


_NURSING_IN_PASSING = _c(r"\b(nurses|nursing|feeds|feeding|breastfeeding|breastfeeds|latch\w*|at the breast|on the boob|"
                         r"from the breast|at the boob)\b")


def nursing_goes_well_volunteered(text: str) -> Optional[str]:
    """Only specific readings said about nursing ("she nurses great"), never a bare yes or no."""
    clean = normalise(text)
    if _NOT_NURSING.search(clean):
        return "not_nursing"
    match = _NURSING_IN_PASSING.search(clean)
    if not match:
        return None
    window = _clause(clean, match.start(), match.end())
    # Next to a nursing word, "fine" and "ok" do mean nursing goes fine ("baby nurses fine at home").
    return nursing_goes_well(window) or ("yes" if find_affirmed(_FINE, window) else None)


_WEIGHT_BAD = _c(r"\b((not|isn'?t|isnt|hasn'?t|hasnt|no longer|barely|hardly) (really |quite |properly |been )?(gaining|growing|"
                 r"putting on)|"
                 r"(losing|lost|dropp\w*|poor|slow\w*|low|not great|not good|little) (\w+ )?(weight|gain\w*)|"
                 r"weight (is |has )?(dropp\w*|down|going down|not great|slow|poor|stalled|flat)|stalled|dropped (a )?percentile|"
                 r"dropping percentiles?|fell off (the|her|his) curve|behind on (his |her |their )?weight|"
                 r"worried about (his|her|their|the) weight|gaining slow\w*|gaining (very |really )?(little|slowly)|slow gainer|"
                 r"under ?weight|small for|failure to thrive|weight checks?|(little |a bit |just )?(under|below) the (line|"
                 r"curve))\b")
_WEIGHT_GOOD = _c(r"\b(gaining (well|fine|great|good|ok|okay|nicely|steadily)|gains well|good weight|on track|right on|"
                  r"doc(tor)? (is|was|says|said)?\s*(happy|pleased|fine)|ped(iatrician)? (is|was|says|said)?\s*(happy|pleased|"
                  r"fine)|"
                  r"chunky|chunk|thriving|growing (well|fine|great)|\d+(th|st|nd|rd) percentile|percentile|on (his|her) curve|"
                  r"putting on weight|gained|chubby|fat rolls|rolls)\b")


def baby_gaining_well(text: str) -> Optional[str]:
    """Weight gain, only where weight or growth is named: "my output dropped" says nothing about the baby.
    "Dropping percentiles? no, he's steady" denies it."""
    clean = without_denied_questions(normalise(text))
    if _WEIGHT_BAD.search(clean):
        return "no"
    if find_affirmed(_WEIGHT_GOOD, clean):
        return "yes"
    return None


def _weight_reply(text: str) -> Optional[str]:
    clean = without_denied_questions(normalise(text)) or normalise(text)
    if re.search(r"\b(losing|dropping|behind|slow|poorly|barely)\b", clean):
        return "no"
    kind = hedge(clean)
    if kind in ("unsure", "partly") or re.search(r"\b(haven'?t|havent|not) (been )?(weighed|checked)|next (appt|appointment|"
                                                 r"checkup)\b",
                                                 clean):
        return UNSURE
    if kind == "hedged_yes":
        return "yes"
    if find_negated(_NURSING_GOOD, clean) or find_negated(_FINE, clean):
        return "no"  # "not well", "not great", "not good"
    return yes_no(clean)


# ---------------------------------------------------------------------------------------------------
# The readers of each question, and what hedges and bare yes/no mean for it.
PARSERS: Mapping[str, Parser] = {
    "nursing_goes_well": nursing_goes_well,
    "baby_gaining_well": baby_gaining_well,
    "pump_type": pump_type,
    "pumping_pain": pumping_pain,
    "breasts_feel_full": breasts_feel_full,
    "milk_flow_starts": milk_flow_starts,
    "pumping_feelings": pumping_feelings,
    "suction_level": suction_level,
    "flange_size": flange_size,
    "flange_fit": flange_fit,
    "away_from_baby": away_from_baby,
    "breasts_ever_full": breasts_ever_full,
    "parts_condition": parts_condition,
    "let_down_with_baby": let_down_with_baby,
}


def _yes_no_reply(partly: Optional[str] = UNSURE, hedged_yes: Optional[str] = "yes",
                  yes: Optional[str] = "yes", no: Optional[str] = "no") -> Parser:
    """A reply reader for a yes/no question: hedges first, then a bare yes or no."""
    def read(text: str) -> Optional[str]:
        clean = normalise(text)
        kind = hedge(clean)
        if kind == "unsure":
            return UNSURE
        if kind == "partly":
            return partly
        if kind == "hedged_yes":
            return hedged_yes
        return {"yes": yes, "no": no}.get(yes_no(clean) or "")
    return read


_rubs_or_marks_reply = _yes_no_reply(partly="poor", hedged_yes="poor", yes="poor", no="fine")


def _fit_reply(text: str) -> Optional[str]:
    """The question asks whether the nipple rubs or the flange leaves marks: "yes" is a poor fit, "no"
    (or "nothing") a good one, and "ok" or "fine" answers the fit itself."""
    clean = normalise(text)
    if find_affirmed(_FINE, clean) and hedge(clean) != "unsure":
        return "fine"
    return _rubs_or_marks_reply(text)


def _calm_reply(text: str) -> Optional[str]:
    clean = normalise(text)
    kind = hedge(clean)
    if kind == "unsure":
        return UNSURE
    if kind == "partly":
        return "stressed"  # "kind of", "sometimes": some stress, the partial answer
    if find_affirmed(_FINE, clean) or re.search(r"\b(whatever|meh|its a thing|it is what it is)\b", clean):
        return "calm"  # "it's fine", "ok i guess", as the reply to "How do you feel about pumping?"
    return None


# Replies that need the question to make sense: a hedge or a bare yes/no.
SHORT_ANSWERS: Mapping[str, Parser] = {
    "nursing_goes_well": lambda text: (_yes_no_reply(partly="no")(text)
                                       or ("yes" if find_affirmed(_FINE, normalise(text)) else None)),
    "baby_gaining_well": _weight_reply,
    "pump_type": _unsure_reply,
    "pumping_pain": _pain_reply,
    "breasts_feel_full": _yes_no_reply(partly="yes"),  # "kind of full" still has milk in it
    "milk_flow_starts": _yes_no_reply(),
    "pumping_feelings": _calm_reply,
    "suction_level": _unsure_reply,
    "flange_size": _flange_size_reply,
    "flange_fit": _fit_reply,
    "away_from_baby": _yes_no_reply(partly="yes"),  # away some of the time: pumping apart from the baby
    "breasts_ever_full": _yes_no_reply(partly="yes"),
    # Asked "in good shape and made for this pump?": yes is fine, no is worn; "fine", "ok" answer it too.
    "parts_condition": lambda text: (_yes_no_reply(partly="worn", hedged_yes="fine", yes="fine", no="worn")(text)
                                     or ("fine" if find_affirmed(_FINE, normalise(text)) else None)),
    "let_down_with_baby": _yes_no_reply(partly="yes"),  # "sometimes, with her" is a let-down that can come
}
# The feelings reader takes "not sure" before its own words ("not sure, fine i guess" stays unsure).
_HEDGE_FIRST = {"pumping_feelings", "milk_flow_starts", "breasts_feel_full", "baby_gaining_well", "parts_condition",
                "let_down_with_baby"}


_LEADING_YES = _c(r"^\W*(yes+|yeah+|yep|yup|ya|yea|yah|yas|definitely|absolutely|of course|for sure|correct|constantly|always)\b")
_LEADING_NO = _c(r"^\W*(no+|nope|nah|not really|not rly|not realy|not at all|never|not much|nothing|mostly no|rarely|"
                 r"not (so|too|very|that|really) (good|great|well)|not good|not great|not well)\b")
# What a reply that opens with a plain yes or no means, for the questions that are yes/no questions.
_LEADING = {
    "nursing_goes_well": {"yes": "yes", "no": "no"},
    "breasts_feel_full": {"yes": "yes", "no": "no"},
    "milk_flow_starts": {"yes": "yes", "no": "no"},
    "away_from_baby": {"yes": "yes", "no": "no"},
    "breasts_ever_full": {"yes": "yes", "no": "no"},
    "baby_gaining_well": {"yes": "yes", "no": "no"},
    "let_down_with_baby": {"yes": "yes", "no": "no"},
    "pumping_pain": {"no": "none"},
}


def leading_answer(slot: str, text: str) -> Optional[str]:
    """A reply that opens with a plain yes or no ("no, i'm at home", "yeah a bit") means that,
    whatever words follow it; the specific reading refines it where it can ("no, I only pump")."""
    clean = normalise(text)
    table = _LEADING.get(slot, {})
    if "yes" in table and _LEADING_YES.search(clean):
        return table["yes"]
    if "no" in table and _LEADING_NO.search(clean):
        return table["no"]
    return None


def parse_requested(slot: str, text: str, is_reply: bool = True) -> Optional[str]:
    """The answer to the question just asked about ``slot``, if the text gives one.

    ``is_reply`` is False when the message reads as a question of its own; then only specific
    readings count. A reply that corrects itself ("24... wait no, 21") is read from the correction on.
    """
    text = after_correction(text)
    clean = normalise(text)
    if is_reply and slot in _HEDGE_FIRST and hedge(clean) == "unsure" and len(clean.split()) <= 4:
        return UNSURE
    specific = PARSERS[slot](text)
    if is_reply:
        if slot == "flange_size" and specific is None or specific == UNSURE and slot == "flange_size":
            number = _flange_size_reply(text)
            if number not in (None, UNSURE):
                return number  # "24, came with it": the number, not the "came with"
        if slot == "nursing_goes_well" and specific == "not_nursing":
            return specific
        if slot == "pumping_pain" and _LEADING_YES.search(clean):
            # "yes hurts": a plain yes to "Does pumping hurt?" is real pain unless they soften it.
            mild = re.search(r"\b(a bit|a little|bit|slightly|kinda|kind of|sore|tender|uncomfortable|mild\w*)\b", clean)
            return "some" if mild else "painful"
        # "fine", "ok" first is calm ("fine, just frustrating how little there is"), unless what follows
        # names a strong feeling: "okay, I said it wasn't a big deal but honestly I'm anxious" is not.
        if slot == "pumping_feelings" and not find_affirmed(_STRONG_FEELING, clean) and re.match(
                r"\W*(fine|ok|okay|it'?s fine|its fine|i'?m fine|im fine|all good|alright)\b", clean):
            return "calm"
        lead = leading_answer(slot, text)
        if lead is not None:
            return lead
    value = specific
    if value is None and is_reply:
        value = SHORT_ANSWERS[slot](text)
    return value


# Read from any message, asked or not: these words carry their meaning without a question.
VOLUNTEERED: Mapping[str, Parser] = {
    "pump_type": pump_type,
    "pumping_pain": pumping_pain,
    "flange_size": flange_size,
    "suction_level": suction_level,
    "pumping_feelings": pumping_feelings,
    "breasts_feel_full": breasts_feel_full_volunteered,
    "nursing_goes_well": nursing_goes_well_volunteered,
    "baby_gaining_well": baby_gaining_well,
    "flange_fit": flange_fit_volunteered,
    "away_from_baby": away_from_baby_volunteered,
    "breasts_ever_full": breasts_ever_full_volunteered,
    "milk_flow_starts": milk_flow_starts_volunteered,
    "parts_condition": parts_condition_volunteered,
    "let_down_with_baby": let_down_with_baby_volunteered,
}
# "low" or "high" alone ("my supply is low") says nothing about suction unless suction is mentioned.
_SUCTION_CONTEXT = _c(r"\b(suction|vacuum|setting|settings|level|strength|power|cranked|turned? (it )?up|strongest|highest)\b")
# A number counts as a flange size in passing only beside a flange word ("born at 32 weeks" is not one).
_FLANGE_CONTEXT = _c(r"(\d\s*mm\b|\bmm\b|\bflanges?\b|\bshields?\b|\binserts?\b|\bsize[ds]?\b|\btunnel\b)")
# Calm said about pumping itself counts in passing too ("pumping isn't a big deal for me emotionally").
_CALM_IN_PASSING = _c(r"\b(not a big deal|no big deal|emotionally|i'?m (pretty |quite |very )?(calm|relaxed|chill)|"
                      r"im (pretty |quite |very )?(calm|relaxed|chill)|not stressed|doesn'?t stress me|don'?t mind (pumping|"
                      r"it))\b")
# "fine", "ok" said in passing mean nothing about feelings; "sore" in passing may be about anything
# but is still pain in a pumping chat. These volunteered values need the question.
_WEAK_IN_PASSING: Mapping[str, Tuple[str, ...]] = {"pumping_feelings": ("calm",), "pumping_pain": ("none",)}


# Braces or JSON-style keys: text written as code, which no parent types as an answer.
_CODE_LIKE = re.compile(r"[{}]|\"\s*:\s*[\"\w]|</?\w+>")


def read_answers(text: str, requested: Optional[str] = None, is_reply: bool = True) -> Dict[str, str]:
    """Every answer this one message gives: the requested question's, plus any volunteered ones."""
    found: Dict[str, str] = {}
    clean = normalise(text)
    if _CODE_LIKE.search(clean):
        return found  # 'greet{"pump_type":"manual"}' is someone probing, not a parent answering
    for slot, parse in VOLUNTEERED.items():
        if slot == requested:
            continue
        if slot == "suction_level" and not _SUCTION_CONTEXT.search(clean):
            continue
        if slot == "flange_size" and not _FLANGE_CONTEXT.search(clean):
            continue
        if slot == "pumping_pain" and not re.search(r"\b(pump\w*|flanges?|nipples?|suction|it|sore|hurts?)\b", clean):
            continue
        value = parse(text)
        if value in (None, UNSURE):
            continue
        if value in _WEAK_IN_PASSING.get(slot, ()) and not (slot == "pumping_feelings" and _CALM_IN_PASSING.search(clean)):
            continue
        if slot == "pumping_pain" and negated(clean, 0) and value == "none":
            continue
        found[slot] = value
    if requested in PARSERS:
        value = parse_requested(requested, text, is_reply)
        if value is not None:
            found[requested] = value
    return found
