"""/api/v1/surveys/ endpoints of part "answers": the caller's invitations, and answering one.

    GET  /api/v1/surveys/invitations/mine              open invitations (?answered=true: answered ones too)
    POST /api/v1/surveys/invitations/{token}/answer    {"answers": {"<question id>": value}, "language": "fr"}

Values: a whole number for likert (1–5), rating (1–max) and nps (0–10); the choice's value for
single; a list of values for multiple; a string for text. Errors (400) name the question as
``q<id>``; answering twice is 409; someone else's invitation is 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from pilotage.core.api import limit_query, offset_query, page_schema, paginate
from pilotage.surveys import queries
from pilotage.surveys.api_builder import SurveyOut
from pilotage.surveys.models import Invitation
from pilotage.surveys.services_answers import AlreadyAnswered, InvitationClosed, answer_submit

router = Router(tags=["surveys"])


class InvitationOut(Schema):
    id: int
    token: uuid.UUID = Field(description="Used to answer: POST /api/v1/surveys/invitations/{token}/answer")
    role: str = Field(description="learner, or manager (a cold evaluation about a team member)")
    enrolment_id: int | None
    session_id: int | None
    sent_at: dt.datetime
    closes_at: dt.datetime | None
    answered_at: dt.datetime | None
    survey: SurveyOut


class AnswerIn(Schema):
    answers: dict[str, Any] = Field(description='Question id (or "q<id>") → value')
    language: str = Field("", description="fr or en (default: the respondent's language)")


class AnswerOut(Schema):
    response_uid: uuid.UUID
    answered_at: dt.datetime


@router.get(
    "/invitations/mine",
    response=page_schema(InvitationOut),
    summary="My invitations to answer",
    url_name="surveys_my_invitations",
)
def surveys_my_invitations(
    request: HttpRequest, answered: bool = False, limit: int = limit_query(), offset: int = offset_query()
) -> dict[str, Any]:
    qs = queries.my_invitations(user=request.user, open_only=not answered).prefetch_related("survey__questions")
    return paginate(qs, limit, offset)


@router.post(
    "/invitations/{uuid:token}/answer",
    response={201: AnswerOut},
    summary="Answer one of my invitations",
    url_name="surveys_answer_submit",
)
def surveys_answer_submit(request: HttpRequest, token: uuid.UUID, payload: AnswerIn) -> Status:
    invitation: Invitation = queries.invitation_for_answer(user=request.user, token=token)
    try:
        response = answer_submit(
            actor=request.user, invitation=invitation, answers=payload.answers, language=payload.language
        )
    except AlreadyAnswered as exc:
        raise HttpError(409, exc.message) from exc
    except InvitationClosed as exc:
        raise HttpError(409, exc.message) from exc
    return Status(201, {"response_uid": response.uid, "answered_at": invitation.answered_at})
