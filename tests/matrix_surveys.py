"""Authorization matrix rows of surveys (parts "builder" and "answers").

Who: the builder (surveys, questions, templates, dispatch rules) is the DLM's and the L&D team's,
everyone else 403. Results: the team all; an internal client the programmes they sponsor
(client_a sponsors the target programme; client_b 404); the facilitator the programme whose
cohort they run. Answering: the invitation's respondent only (the learner): anyone else 404, even
the DLM; a manager their own cold-manager invitation, not another's. Out of scope: a survey of a
programme nobody in the cast sponsors or runs (404 for client_a and the facilitator). "My invitations": any user linked to an employee (dlm, clients, manager, learner); users
without an employee (ld, facilitator, approvers, vendors, outsider) 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Cast
from django.utils import timezone

from pilotage.delivery.models import Cohort, Enrolment
from pilotage.programmes import services_paths, services_programmes
from pilotage.programmes.models import Programme
from pilotage.surveys import services
from pilotage.surveys.models import DispatchRule, Invitation, Survey
from tests.authz import Filler, Target

# fmt: off
MATRIX = """
# name                              method target          anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
# --- survey builder (web) --------------------------------------------------------------------------------------
surveys:survey_list                 GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_create               GET    -               302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_create               POST   srv_new         302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_detail               GET    srv_survey      302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_detail               GET    srv_missing     302  404 404 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_edit                 GET    srv_survey      302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_edit                 POST   srv_edit        302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_publish              GET    srv_survey      302  405 405 405 405 405 405 405 405 405 405 405 405 405
surveys:survey_publish              POST   srv_survey      302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_archive              GET    srv_survey      302  405 405 405 405 405 405 405 405 405 405 405 405 405
surveys:survey_archive              POST   srv_survey      302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_copy                 GET    srv_survey      302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_copy                 POST   srv_copy        302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:survey_preview              GET    srv_survey      302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:question_create             GET    srv_survey      302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:question_create             POST   srv_q_new       302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:question_edit               GET    srv_question    302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:question_edit               POST   srv_question    302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:question_edit               GET    srv_missing     302  404 404 403 403 403 403 403 403 403 403 403 403 403
surveys:question_delete             GET    srv_question    302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:question_delete             POST   srv_question    302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:question_move               GET    srv_move        302  405 405 405 405 405 405 405 405 405 405 405 405 405
surveys:question_move               POST   srv_move        302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:programme_surveys           GET    srv_prog        302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:programme_surveys           GET    srv_prog_miss   302  404 404 403 403 403 403 403 403 403 403 403 403 403
surveys:rule_create                 GET    srv_prog        302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:rule_create                 POST   srv_rule_new    302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:rule_edit                   GET    srv_rule        302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:rule_edit                   POST   srv_rule        302  302 302 403 403 403 403 403 403 403 403 403 403 403
surveys:rule_delete                 GET    srv_rule        302  200 200 403 403 403 403 403 403 403 403 403 403 403
surveys:rule_delete                 POST   srv_rule        302  302 302 403 403 403 403 403 403 403 403 403 403 403
# --- answering, my evaluations, results (web) ------------------------------------------------------------------
surveys:answer                      GET    srv_inv         302  404 404 404 404 404 200 404 404 404 404 404 404 404
surveys:answer                      POST   srv_inv         302  404 404 404 404 404 302 404 404 404 404 404 404 404
surveys:answer                      GET    srv_inv_miss    302  404 404 404 404 404 404 404 404 404 404 404 404 404
surveys:my_invitations              GET    -               302  200 403 200 200 200 200 403 403 403 403 403 403 403
surveys:results_index               GET    -               302  200 200 200 200 403 403 200 403 403 403 403 403 403
surveys:survey_results              GET    srv_res         302  200 200 200 404 403 403 200 403 403 403 403 403 403
surveys:survey_results              GET    srv_missing     302  404 404 404 404 403 403 404 403 403 403 403 403 403
surveys:survey_results              GET    srv_res_other   302  200 200 404 404 403 403 404 403 403 403 403 403 403
surveys:answer                      GET    srv_cold_inv    302  404 404 404 404 200 404 404 404 404 404 404 404 404
surveys:answer                      GET    srv_cold_other  302  404 404 404 404 404 404 404 404 404 404 404 404 404
# --- API ---------------------------------------------------------------------------------------------------------
api:surveys_list                    GET    -               401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:surveys_read                    GET    srv_api_survey  401  200 200 403 403 403 403 403 403 403 403 403 403 403
api:surveys_results                 GET    srv_api_res     401  200 200 200 404 403 403 200 403 403 403 403 403 403
api:surveys_results                 GET    srv_api_res_oth 401  200 200 404 404 403 403 404 403 403 403 403 403 403
api:surveys_results_list            GET    -               401  200 200 200 200 403 403 200 403 403 403 403 403 403
api:surveys_my_invitations          GET    -               401  200 403 200 200 200 200 403 403 403 403 403 403 403
api:surveys_answer_submit           POST   srv_api_answer  401  404 404 404 404 404 201 404 404 404 404 404 404 404
"""
# fmt: on


def _programme(cast: Cast) -> Programme:
    """A programme sponsored by client_a, with a cohort the facilitator runs."""
    programme = services_programmes.programme_create(actor="system", title="Matrix surveys", sponsor=cast.client_a)
    path = services_paths.path_create(actor="system", programme=programme, title="Matrix path")
    services_paths.step_create(actor="system", path=path, kind="in_person", title="Atelier")
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        path=path,
        code=f"MTX-S-{programme.pk}",
        title="Matrix cohort",
        starts_on=today,
        ends_on=today + dt.timedelta(days=5),
    )
    cohort.facilitators.set([cast.facilitator])
    return programme


def _survey(cast: Cast, *, publish: bool = False) -> Survey:
    survey = services.survey_create(
        actor="matrix", kind="hot", title_fr="Enquête", title_en="Survey", programme=_programme(cast)
    )
    services.question_create(actor="matrix", survey=survey, kind="likert", text_fr="Satisfait ?", text_en="Satisfied?")
    services.question_create(actor="matrix", survey=survey, kind="nps", text_fr="Recommander ?", text_en="Recommend?")
    return services.survey_publish(actor="matrix", survey=survey) if publish else survey


def _rule(cast: Cast) -> DispatchRule:
    survey = _survey(cast, publish=True)
    assert survey.programme is not None
    return services.rule_create(actor="matrix", programme=survey.programme, survey=survey, trigger="after_session")


def _invitation(cast: Cast) -> Invitation:
    survey = _survey(cast, publish=True)
    assert survey.programme is not None
    cohort = Cohort.objects.get(path__programme=survey.programme)
    enrolment = Enrolment.objects.create(cohort=cohort, employee=cast.employees["learner"])
    return Invitation.objects.create(
        key=f"matrix:{enrolment.pk}", survey=survey, respondent=enrolment.employee, enrolment=enrolment
    )


def _other_programme_survey(cast: Cast) -> Survey:
    """A published survey of a programme nobody in the cast sponsors or runs (out of scope for
    client_a and the facilitator)."""
    programme = services_programmes.programme_create(actor="system", title="Matrix surveys (other)")
    survey = services.survey_create(actor="matrix", kind="hot", title_fr="Autre", title_en="Other", programme=programme)
    services.question_create(actor="matrix", survey=survey, kind="nps", text_fr="Recommander ?", text_en="Recommend?")
    return services.survey_publish(actor="matrix", survey=survey)


def _cold_invitation(cast: Cast, respondent: str) -> Target:
    """A cold evaluation for a manager about the learner's enrolment, sent to ``respondent``."""
    survey = _survey(cast, publish=True)
    assert survey.programme is not None
    survey.kind = Survey.Kind.COLD_MANAGER
    survey.save(update_fields=["kind"])
    cohort = Cohort.objects.get(path__programme=survey.programme)
    enrolment = Enrolment.objects.create(cohort=cohort, employee=cast.employees["learner"])
    invitation = Invitation.objects.create(
        key=f"matrix-cold:{enrolment.pk}:{respondent}",
        survey=survey,
        respondent=cast.employees[respondent],
        role="manager",
        enrolment=enrolment,
    )
    return Target(kwargs={"token": invitation.token})


def _answers(invitation: Invitation) -> dict[str, Any]:
    return {f"q{q.pk}": ("4" if q.kind == "likert" else "9") for q in invitation.survey.questions.all()}


def _inv_target(cast: Cast, user: Any) -> Target:
    invitation = _invitation(cast)
    return Target(kwargs={"token": invitation.token}, data=_answers(invitation))


def _api_answer(cast: Cast, user: Any) -> Target:
    invitation = _invitation(cast)
    return Target(kwargs={"token": invitation.token}, json={"answers": _answers(invitation)})


def _rule_new(cast: Cast, user: Any) -> Target:
    survey = _survey(cast, publish=True)
    assert survey.programme is not None
    return Target(
        kwargs={"programme_pk": survey.programme.pk},
        data={
            "survey": survey.pk,
            "trigger": "after_session",
            "delay_days": "0",
            "audience": "learner",
            "close_after_days": "30",
            "active": "on",
        },
    )


def _rule_target(cast: Cast, user: Any) -> Target:
    rule = _rule(cast)
    return Target(
        kwargs={"pk": rule.pk},
        data={
            "survey": rule.survey_id,
            "trigger": "after_session",
            "delay_days": "1",
            "audience": "learner",
            "close_after_days": "30",
            "active": "on",
        },
    )


_SURVEY_FORM = {"kind": "hot", "title_fr": "Nouvelle", "title_en": "New"}
_QUESTION_FORM = {"kind": "nps", "text_fr": "Recommander ?", "text_en": "Recommend?", "required": "on"}

TARGETS: dict[str, Filler] = {
    "srv_new": lambda cast, user: Target(data=_SURVEY_FORM),
    "srv_survey": lambda cast, user: Target(kwargs={"pk": _survey(cast).pk}),
    "srv_edit": lambda cast, user: Target(kwargs={"pk": _survey(cast).pk}, data=_SURVEY_FORM),
    "srv_copy": lambda cast, user: Target(kwargs={"pk": _survey(cast).pk}, data={"as_template": "on"}),
    "srv_missing": lambda cast, user: Target(kwargs={"pk": 987654}),
    "srv_q_new": lambda cast, user: Target(kwargs={"pk": _survey(cast).pk}, data=_QUESTION_FORM),
    "srv_question": lambda cast, user: Target(kwargs={"pk": _survey(cast).questions.first().pk}, data=_QUESTION_FORM),  # type: ignore[union-attr]
    "srv_move": lambda cast, user: Target(kwargs={"pk": _survey(cast).questions.last().pk, "direction": "up"}),  # type: ignore[union-attr]
    "srv_prog": lambda cast, user: Target(kwargs={"programme_pk": _programme(cast).pk}),
    "srv_prog_miss": lambda cast, user: Target(kwargs={"programme_pk": 987654}),
    "srv_rule_new": _rule_new,
    "srv_rule": _rule_target,
    "srv_inv": _inv_target,
    "srv_inv_miss": lambda cast, user: Target(kwargs={"token": "00000000-0000-4000-8000-000000000000"}),
    "srv_res": lambda cast, user: Target(kwargs={"pk": _survey(cast, publish=True).pk}),
    "srv_api_survey": lambda cast, user: Target(kwargs={"survey_id": _survey(cast).pk}),
    "srv_api_res": lambda cast, user: Target(kwargs={"survey_id": _survey(cast, publish=True).pk}),
    "srv_api_answer": _api_answer,
    "srv_res_other": lambda cast, user: Target(kwargs={"pk": _other_programme_survey(cast).pk}),
    "srv_api_res_oth": lambda cast, user: Target(kwargs={"survey_id": _other_programme_survey(cast).pk}),
    "srv_cold_inv": lambda cast, user: _cold_invitation(cast, "manager"),
    "srv_cold_other": lambda cast, user: _cold_invitation(cast, "tech"),
}
