"""Create forms: a form that adds a record sends what the person typed once, then starts empty for the next record.

Every widget of a create form is keyed key(form, name): `{form}_{round}_{name}`. After a successful save,
components.writes.act(..., form=form) calls clear(form), which starts the form's next round: its widgets are new ones (a
browser keeps a widget's value for as long as its key lives, whatever the session state says), shown with their
defaults, so the next caller's inquiry never carries the previous one's 予約ID or 回答内容. A refused save clears
nothing: the person corrects what they typed.

Times: a create form's date and time is the moment of saving (saved_at), not the moment the page was opened, unless
the person ticks 「…を指定する」 and sets one (moment). date_time is the two inputs every date-and-time field shows.
"""

from datetime import datetime

import streamlit as st

from dashboards import clock


def key(form: str, name: str) -> str:
    """A widget's key in the form's current round."""
    return f"{prefix(form)}_{name}"


def prefix(form: str) -> str:
    """The form's current round, for a helper that keys its widgets `{prefix}_{name}` itself."""
    return f"{form}_{st.session_state.get(_round(form), 0)}"


def clear(form: str) -> None:
    """The form's next round: every widget new, with its default; the last round's values forgotten."""
    following = st.session_state.get(_round(form), 0) + 1
    for name in [name for name in st.session_state if str(name).startswith(f"{form}_")]:
        del st.session_state[name]
    st.session_state[_round(form)] = following


def renew(form: str) -> None:
    """The form's next round, keeping what else it holds: its widgets new, drawn with the defaults given now (values
    that arrived after the form was first drawn; a widget keeps the value it was first drawn with)."""
    st.session_state[_round(form)] = st.session_state.get(_round(form), 0) + 1


def _round(form: str) -> str:
    return f"{form}_round"


def date_time(key: str, label: str, value: datetime) -> str:
    """A date and a time (to the minute) in Japan time, as ISO text."""
    left, right = st.columns(2)
    day = left.date_input(label, value.date(), key=f"{key}_day")
    at = right.time_input(f"{label}（時刻）", value.time().replace(second=0, microsecond=0), key=f"{key}_time")
    return datetime.combine(day, at, tzinfo=clock.JAPAN_TIME).isoformat()


def moment(key: str, label: str) -> str | None:
    """A create form's date and time: None (the moment of saving: saved_at) unless the person sets one."""
    if not st.checkbox(f"{label}を指定する", key=f"{key}_set", help=f"指定しない場合、{label}は記録した時点になります"):
        return None
    return date_time(key, label, clock.now())


def saved_at(value: str | None) -> str:
    """A moment() as sent: the one the person set, else now (read when the form is sent), to the minute as the
    inputs are."""
    return value or clock.now().replace(second=0, microsecond=0).isoformat()
