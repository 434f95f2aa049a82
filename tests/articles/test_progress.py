import io

from django.core.management.base import OutputWrapper

from articles.progress import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_silent_when_stdout_is_not_a_terminal():
    out = io.StringIO()
    assert list(progress(range(5), desc="photos", stdout=out)) == [0, 1, 2, 3, 4]
    with progress(total=10, desc="articles", stdout=OutputWrapper(out)) as bar:
        bar.update(10)
    assert out.getvalue() == ""


def test_progress_is_drawn_on_a_terminal():
    out = Terminal()
    assert list(progress(range(5), desc="photos", stdout=out)) == [0, 1, 2, 3, 4]
    assert "photos:   0%" in out.getvalue()
    assert "0/5" in out.getvalue()


def test_progress_on_a_command_stdout_redraws_in_place():
    out = Terminal()
    with progress(total=10, desc="articles", stdout=OutputWrapper(out)) as bar:
        bar.update(4)
        bar.update(6)
    assert "articles:   0%" in out.getvalue()
    assert "\r" in out.getvalue()
    assert "\n" not in out.getvalue().rstrip("\n")
