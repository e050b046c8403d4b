import pytest

from coach.clinic import ClinicConfigError, load_clinic


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
