"""The erase-request words are data with their own examples (coach/knowledge/erase_requests.yml)."""
import pytest

from coach import erase_requests

DATA = erase_requests.load()


@pytest.mark.parametrize("text", DATA["catches"])
def test_each_request_is_read(text):
    assert erase_requests.is_erase_request(text)


@pytest.mark.parametrize("text", DATA["leaves"])
def test_look_alikes_are_left_alone(text):
    assert not erase_requests.is_erase_request(text)
