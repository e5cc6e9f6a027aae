"""Learning paths: the pure helpers (cycles, order warnings, completion rules, IRIs) and the
services (validation naming the field, prerequisites of the same path only, cycles refused
with the steps named, reordering, stable IRIs, audit, nothing half-written), and the demo."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.test import override_settings

from pilotage.core.errors import ValidationFailed
from pilotage.core.models import AuditEvent
from pilotage.programmes import demo_paths, paths
from pilotage.programmes import services_paths as svc
from pilotage.programmes.models import LearningPath, PathStep, Programme
from pilotage.programmes.paths import StepInfo

_codes = iter(range(1, 10_000))


def make_programme(**kw: Any) -> Programme:
    n = next(_codes)
    return Programme.objects.create(code=kw.pop("code", f"PTH-{n:03d}"), title=kw.pop("title", f"Programme {n}"), **kw)


def make_path(actor: Any, programme: Programme | None = None, **kw: Any) -> LearningPath:
    return svc.path_create(
        actor=actor, programme=programme or make_programme(), title=kw.pop("title", "Parcours"), **kw
    )


def add(actor: Any, path: LearningPath, title: str, kind: str = "quiz", **kw: Any) -> PathStep:
    return svc.step_create(actor=actor, path=path, kind=kind, title=title, **kw)


def info(i: int, **kw: Any) -> StepInfo:
    defaults: dict[str, Any] = {"title": f"S{i}", "kind": "elearning", "mandatory": True, "position": i}
    return StepInfo(id=i, **{**defaults, **kw})


# --------------------------------------------------------------------------- pure helpers


def test_find_cycle_reports_the_cycle_in_order() -> None:
    assert paths.find_cycle({1: [], 2: [1], 3: [2]}) is None
    assert paths.find_cycle({1: [3], 2: [1], 3: [2]}) == [1, 3, 2]
    assert paths.find_cycle({1: [1]}) == [1]
    # A cycle not reachable from the first node, and a diamond (no cycle).
    assert paths.find_cycle({1: [], 2: [3], 3: [4], 4: [2]}) == [2, 3, 4]
    assert paths.find_cycle({1: [2, 3], 2: [4], 3: [4], 4: []}) is None


def test_find_cycle_handles_long_chains_without_recursion() -> None:
    graph = {i: [i - 1] if i else [] for i in range(5000)}
    assert paths.find_cycle(graph) is None
    graph[0] = [4999]
    cycle = paths.find_cycle(graph)
    assert cycle is not None and len(cycle) == 5000


def test_cycle_message_names_every_step() -> None:
    text = paths.cycle_message(["Quiz", "Module", "Atelier"])
    assert "“Quiz” needs “Module”" in text and "“Module” needs “Atelier”" in text and "“Atelier” needs “Quiz”" in text
    assert "own prerequisite" in paths.cycle_message(["Quiz"])


def test_iris_use_site_url() -> None:
    with override_settings(SITE_URL="https://pilotage.example.com/"):
        assert paths.step_iri("abc") == "https://pilotage.example.com/xapi/activities/steps/abc"
        assert paths.path_iri("def") == "https://pilotage.example.com/xapi/activities/paths/def"


def test_order_warnings_flag_a_prerequisite_placed_later() -> None:
    steps = [info(1, prerequisite_ids=(3,)), info(2, prerequisite_ids=(1,)), info(3)]
    warnings = paths.order_warnings(steps)
    assert len(warnings) == 1
    assert "Step 1 “S1”" in warnings[0] and "step 3 “S3”" in warnings[0]
    assert paths.locked_step_ids(steps) == {1, 2}
    assert paths.locked_step_ids(steps, completed_step_ids=[3]) == {2}


def test_totals_and_durations() -> None:
    steps = [info(1, duration_minutes=45), info(2, duration_minutes=90, mandatory=False), info(3, duration_minutes=15)]
    t = paths.totals(steps)
    assert (t.steps, t.mandatory_steps, t.duration_minutes, t.mandatory_minutes) == (3, 2, 150, 60)
    assert paths.duration_text(45) == "45 min"
    assert paths.duration_text(120) == "2 h"
    assert paths.duration_text(150) == "2 h 30"


def test_all_mandatory_rule() -> None:
    steps = [info(1), info(2, mandatory=False), info(3)]
    ok = {"rule": "all_mandatory", "count": None, "min_score": None, "steps": steps}
    assert not paths.evaluate(**ok, completed_step_ids=[1, 2])
    assert paths.evaluate(**ok, completed_step_ids=[1, 3])
    assert not paths.evaluate(**ok, completed_step_ids=[])
    # Only optional steps: one completed step is enough (never "complete" on enrolment).
    optional = [info(1, mandatory=False), info(2, mandatory=False)]
    assert not paths.evaluate(rule="all_mandatory", count=None, min_score=None, steps=optional, completed_step_ids=[])
    assert paths.evaluate(rule="all_mandatory", count=None, min_score=None, steps=optional, completed_step_ids=[2])
    # An empty path is never complete.
    assert not paths.evaluate(rule="all_mandatory", count=None, min_score=None, steps=[], completed_step_ids=[1])


def test_n_of_m_rule_counts_distinct_steps_of_the_path() -> None:
    steps = [info(1), info(2, mandatory=False), info(3)]
    rule = {"rule": "n_of_m", "count": 2, "min_score": None, "steps": steps}
    assert not paths.evaluate(**rule, completed_step_ids=[1, 1, 99])  # duplicates and other paths' ids ignored
    assert paths.evaluate(**rule, completed_step_ids=[2, 3])


def test_min_score_rule_averages_quizzes_and_assignments() -> None:
    steps = [info(1), info(2, kind="quiz"), info(3, kind="assignment")]
    rule = {"rule": "min_score", "count": None, "min_score": 70, "steps": steps, "completed_step_ids": []}
    assert paths.evaluate(**rule, scores={2: 80, 3: 60})  # average 70
    assert not paths.evaluate(**rule, scores={2: 100})  # the assignment not scored counts 0: 50
    assert not paths.evaluate(**rule, scores={2: 69, 3: 70})
    assert paths.evaluate(**rule, scores={2: 500, 3: 40})  # a score is capped at 100
    no_quiz = [info(1), info(2)]
    assert not paths.evaluate(rule="min_score", count=None, min_score=0, steps=no_quiz, completed_step_ids=[1, 2])


def test_rule_text_in_plain_words() -> None:
    assert paths.completion_rule_text("all_mandatory", count=None, min_score=None, total_steps=4) == (
        "Complete when every mandatory step is completed."
    )
    assert paths.completion_rule_text("n_of_m", count=3, min_score=None, total_steps=5) == (
        "Complete after any 3 steps out of 5."
    )
    assert "reaches 80 %" in paths.completion_rule_text("min_score", count=None, min_score=80, total_steps=2)


def test_rule_warnings() -> None:
    assert paths.rule_warnings("all_mandatory", [])
    assert paths.rule_warnings("min_score", [info(1)])
    assert not paths.rule_warnings("min_score", [info(1, kind="quiz")])
    assert paths.rule_warnings("all_mandatory", [info(1, mandatory=False)])


# --------------------------------------------------------------------------- services: paths


def test_path_create_audited_with_its_iri(cast: Any) -> None:
    path = make_path(cast.dlm, title="  Parcours essentiel ", description="Pour tous")
    assert path.title == "Parcours essentiel" and path.language == "fr"
    assert path.completion_rule == "all_mandatory" and path.completion_count is None
    assert AuditEvent.objects.filter(
        object_type="programmes.learningpath", object_id=str(path.pk), action="create"
    ).exists()


def test_path_create_names_each_bad_field(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_path(cast.dlm, title=" ", language="de", completion_rule="whenever")
    assert set(exc.value.errors) == {"title", "language", "completion_rule"}
    assert "de" in exc.value.errors["language"][0]
    assert LearningPath.objects.count() == 0


def test_n_of_m_needs_steps_and_a_sensible_n(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_path(cast.dlm, completion_rule="n_of_m", completion_count=2)
    assert "no step yet" in exc.value.errors["completion_count"][0]
    path = make_path(cast.dlm)
    for t in ("A", "B", "C"):
        add(cast.dlm, path, t)
    with pytest.raises(ValidationFailed) as exc:
        svc.path_update(actor=cast.dlm, path=path, completion_rule="n_of_m", completion_count=4)
    assert "between 1 and the number of steps of the path (3); 4 is not" in exc.value.errors["completion_count"][0]
    with pytest.raises(ValidationFailed) as exc:
        svc.path_update(actor=cast.dlm, path=path, completion_rule="n_of_m")
    assert "completion_count" in exc.value.errors
    svc.path_update(actor=cast.dlm, path=path, completion_rule="n_of_m", completion_count=3)
    path.refresh_from_db()
    assert (path.completion_rule, path.completion_count) == ("n_of_m", 3)


def test_min_score_between_0_and_100_and_other_parameter_cleared(cast: Any) -> None:
    path = make_path(cast.dlm)
    add(cast.dlm, path, "A")
    svc.path_update(actor=cast.dlm, path=path, completion_rule="n_of_m", completion_count=1)
    with pytest.raises(ValidationFailed) as exc:
        svc.path_update(actor=cast.dlm, path=path, completion_rule="min_score", completion_min_score=101)
    assert "0 to 100" in exc.value.errors["completion_min_score"][0]
    path.refresh_from_db()
    assert path.completion_rule == "n_of_m"  # unchanged after the refusal
    svc.path_update(actor=cast.dlm, path=path, completion_rule="min_score", completion_min_score=80)
    path.refresh_from_db()
    assert (path.completion_rule, path.completion_count, path.completion_min_score) == ("min_score", None, 80)
    event = AuditEvent.objects.filter(object_id=str(path.pk), action="update").first()
    assert event is not None and event.changes["completion_min_score"] == [None, 80]


def test_path_update_refuses_unknown_fields(cast: Any) -> None:
    path = make_path(cast.dlm)
    with pytest.raises(ValidationFailed) as exc:
        svc.path_update(actor=cast.dlm, path=path, programme=None)
    assert "programme" in exc.value.errors


def test_path_delete_cascades(cast: Any) -> None:
    path = make_path(cast.dlm)
    add(cast.dlm, path, "A")
    svc.path_delete(actor=cast.dlm, path=path)
    assert not LearningPath.objects.exists() and not PathStep.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="programmes.learningpath").exists()


# --------------------------------------------------------------------------- services: steps


def test_step_create_appends_with_a_stable_iri(cast: Any) -> None:
    path = make_path(cast.dlm)
    a = add(cast.dlm, path, "Module", kind="elearning", url="https://lms.example/m1", duration_minutes=45)
    b = add(cast.dlm, path, "Quiz", prerequisites=[a.pk])
    assert (a.position, b.position) == (1, 2)
    assert a.activity_iri.endswith(f"/xapi/activities/steps/{a.uid}")
    assert list(b.prerequisites.all()) == [a]
    iri = a.activity_iri
    svc.step_update(actor=cast.dlm, step=a, title="Module renommé", kind="video")
    a.refresh_from_db()
    assert a.activity_iri == iri and a.title == "Module renommé"
    with pytest.raises(ValidationFailed):
        svc.step_update(actor=cast.dlm, step=a, activity_iri="https://elsewhere.example/x")


@pytest.mark.parametrize("kind", ["elearning", "video", "document", "link"])
def test_url_required_for_content_kinds(cast: Any, kind: str) -> None:
    path = make_path(cast.dlm)
    with pytest.raises(ValidationFailed) as exc:
        add(cast.dlm, path, "Sans adresse", kind=kind)
    assert "needs the address" in exc.value.errors["url"][0]
    assert not path.steps.exists()


def test_step_bad_input_names_each_field(cast: Any) -> None:
    path = make_path(cast.dlm)
    with pytest.raises(ValidationFailed) as exc:
        add(cast.dlm, path, "", kind="podcast", url="ftp://x", duration_minutes=-5)
    assert set(exc.value.errors) == {"title", "kind", "url", "duration_minutes"}
    with pytest.raises(ValidationFailed) as exc:
        add(cast.dlm, path, "Trop long", duration_minutes=paths.MAX_DURATION_MINUTES + 1)
    assert "from 0 to 10000" in exc.value.errors["duration_minutes"][0]
    # The virtual class may have no URL (the join link comes with the session).
    assert add(cast.dlm, path, "Classe virtuelle", kind="virtual_class").url == ""


def test_prerequisite_of_another_path_refused(cast: Any) -> None:
    path, other = make_path(cast.dlm), make_path(cast.dlm)
    foreign = add(cast.dlm, other, "Ailleurs")
    with pytest.raises(ValidationFailed) as exc:
        add(cast.dlm, path, "Quiz", prerequisites=[foreign.pk])
    assert "not steps of this path" in exc.value.errors["prerequisites"][0]
    assert not path.steps.exists()


def test_cycle_refused_naming_the_steps(cast: Any) -> None:
    path = make_path(cast.dlm)
    a = add(cast.dlm, path, "Module")
    b = add(cast.dlm, path, "Classe virtuelle", prerequisites=[a.pk])
    c = add(cast.dlm, path, "Atelier", prerequisites=[b.pk])
    with pytest.raises(ValidationFailed) as exc:
        svc.step_update(actor=cast.dlm, step=a, title="Module v2", prerequisites=[c.pk])
    message = exc.value.errors["prerequisites"][0]
    assert "cycle" in message
    for expected in (
        "“Module v2” needs “Atelier”",
        "“Atelier” needs “Classe virtuelle”",
        "“Classe virtuelle” needs “Module v2”",
    ):
        assert expected in message
    a.refresh_from_db()
    assert a.title == "Module" and not a.prerequisites.exists()  # nothing half-written
    with pytest.raises(ValidationFailed) as exc:
        svc.step_update(actor=cast.dlm, step=a, prerequisites=[a.pk])
    assert "own prerequisite" in exc.value.errors["prerequisites"][0]


def test_prerequisite_placed_later_is_allowed(cast: Any) -> None:
    path = make_path(cast.dlm)
    a = add(cast.dlm, path, "Quiz")
    b = add(cast.dlm, path, "Module")
    svc.step_update(actor=cast.dlm, step=a, prerequisites=[b.pk])
    infos = paths.step_infos(path.steps.prefetch_related("prerequisites"))
    assert len(paths.order_warnings(infos)) == 1


def test_step_delete_closes_up_and_respects_n_of_m(cast: Any) -> None:
    path = make_path(cast.dlm)
    a, b, c = (add(cast.dlm, path, t) for t in ("A", "B", "C"))
    svc.step_update(actor=cast.dlm, step=c, prerequisites=[b.pk])
    svc.path_update(actor=cast.dlm, path=path, completion_rule="n_of_m", completion_count=3)
    with pytest.raises(ValidationFailed) as exc:
        svc.step_delete(actor=cast.dlm, step=b)
    assert "Lower N" in exc.value.errors["__all__"][0]
    assert path.steps.count() == 3
    svc.path_update(actor=cast.dlm, path=path, completion_count=2)
    svc.step_delete(actor=cast.dlm, step=b)
    assert list(path.steps.order_by("position").values_list("title", "position")) == [("A", 1), ("C", 2)]
    assert not PathStep.objects.get(pk=c.pk).prerequisites.exists()


def test_reorder_takes_the_whole_list(cast: Any) -> None:
    path = make_path(cast.dlm)
    a, b, c = (add(cast.dlm, path, t) for t in ("A", "B", "C"))
    svc.path_reorder(actor=cast.dlm, path=path, step_ids=[c.pk, a.pk, b.pk])
    assert list(path.steps.order_by("position").values_list("title", flat=True)) == ["C", "A", "B"]
    assert AuditEvent.objects.filter(action="reorder", object_id=str(path.pk)).count() == 1
    other = add(cast.dlm, make_path(cast.dlm), "Ailleurs")
    bad_lists = {
        "not steps of this path": [c.pk, a.pk, b.pk, other.pk],
        "more than once": [c.pk, a.pk, a.pk, b.pk],
        "missing": [c.pk, a.pk],
        "is not the id": [c.pk, "x", b.pk],
    }
    for fragment, ids in bad_lists.items():
        with pytest.raises(ValidationFailed) as exc:
            svc.path_reorder(actor=cast.dlm, path=path, step_ids=ids)
        assert fragment in exc.value.errors["steps"][0]
    assert list(path.steps.order_by("position").values_list("title", flat=True)) == ["C", "A", "B"]


def test_step_move_up_and_down(cast: Any) -> None:
    path = make_path(cast.dlm)
    a, b, c = (add(cast.dlm, path, t) for t in ("A", "B", "C"))
    assert svc.step_move(actor=cast.dlm, step=c, direction="up")
    assert list(path.steps.order_by("position").values_list("title", flat=True)) == ["A", "C", "B"]
    assert not svc.step_move(actor=cast.dlm, step=a, direction="up")
    assert svc.step_move(actor=cast.dlm, step=a, direction="down")
    assert list(path.steps.order_by("position").values_list("title", "position")) == [("C", 1), ("A", 2), ("B", 3)]
    with pytest.raises(ValidationFailed):
        svc.step_move(actor=cast.dlm, step=a, direction="sideways")


def test_is_complete_on_a_real_path(cast: Any) -> None:
    path = make_path(cast.dlm)
    a = add(cast.dlm, path, "Module", kind="elearning", url="https://lms.example/m")
    q = add(cast.dlm, path, "Quiz", prerequisites=[a.pk])
    add(cast.dlm, path, "Ressources", kind="link", url="https://x.example", mandatory=False)
    assert not paths.is_complete(path, [a.pk])
    assert paths.is_complete(path, [a.pk, q.pk])
    svc.path_update(actor=cast.dlm, path=path, completion_rule="min_score", completion_min_score=75)
    path.refresh_from_db()
    assert paths.is_complete(path, [], {q.pk: 75})
    assert not paths.is_complete(path, [a.pk, q.pk], {q.pk: 60})


# --------------------------------------------------------------------------- demo


def test_demo_seed_builds_blended_paths_once(cast: Any) -> None:
    idea = make_programme(title="Idée", status=Programme.Status.IDEA)
    running = [make_programme(title=f"Programme {s}", status=s) for s in ("design", "running", "closed")]
    counts = demo_paths.seed(rng=random.Random(3))
    assert not idea.paths.exists()
    assert all(1 <= p.paths.count() <= 2 for p in running)
    assert counts["paths"] == LearningPath.objects.count() and counts["steps"] == PathStep.objects.count()
    for path in LearningPath.objects.prefetch_related("steps__prerequisites"):
        steps = list(path.steps.all())
        assert 3 <= len(steps) <= 8
        assert len({s.kind for s in steps}) >= 3  # blended
        assert any(s.prerequisites.exists() for s in steps)
        assert paths.find_cycle({s.pk: [p.pk for p in s.prerequisites.all()] for s in steps}) is None
        if path.completion_rule == "n_of_m":
            assert 1 <= (path.completion_count or 0) <= len(steps)
    assert demo_paths.seed(rng=random.Random(3)) == {"paths": 0, "steps": 0}  # idempotent
