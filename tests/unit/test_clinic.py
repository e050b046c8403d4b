import pytest

from coach.clinic import ClinicConfigError, load_clinic
from coach.replies import privacy_notice


def test_the_shipped_clinic_file_loads():
    clinic = load_clinic()
    assert clinic.phone and clinic.emergency_number and clinic.crisis_line


def test_clinic_path_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "clinic.yml"
    path.write_text("name: A\nphone: '1'\nhours: h\nemergency_number: '112'\ncrisis_line: c\n")
    monkeypatch.setenv("CLINIC_CONFIG", str(path))
    assert load_clinic().emergency_number == "112"


def test_missing_fields_are_named(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text("name: A\nphone: ''\n")
    with pytest.raises(ClinicConfigError, match="phone.*hours|hours"):
        load_clinic(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ClinicConfigError, match="cannot read"):
        load_clinic(tmp_path / "nope.yml")


BASIC = "name: Bay Clinic\nphone: '1'\nhours: h\nemergency_number: '112'\ncrisis_line: c\n"


def test_the_privacy_notice_says_how_long_and_links_the_policy(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text(BASIC + "retention_days: 90\nprivacy_policy_url: https://bay.example/privacy\n")
    notice = privacy_notice(load_clinic(path))
    assert "deleted 90 days after your last message" in notice
    assert "How Bay Clinic looks after your data: https://bay.example/privacy" in notice
    assert '"delete my conversation"' in notice


def test_without_a_retention_period_the_notice_does_not_promise_one(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text(BASIC)
    notice = privacy_notice(load_clinic(path))
    assert "kept until you or the clinic delete it" in notice
    assert "days" not in notice and "http" not in notice


@pytest.mark.parametrize("days", ["0", "-3", "a year", "1.5", "true"])
def test_a_retention_period_that_is_not_a_number_of_days_is_refused(tmp_path, days):
    path = tmp_path / "clinic.yml"
    path.write_text(BASIC + f"retention_days: {days}\n")
    with pytest.raises(ClinicConfigError, match="retention_days"):
        load_clinic(path)
