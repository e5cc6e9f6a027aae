"""Background work of the strategy area: the invitations of a needs campaign.

Tasks take ids only (JSON arguments), are enqueued on commit by the services, and report
their progress on the ``core.Job`` they were given.
"""

from __future__ import annotations

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext

from pilotage.core.jobs import job_finish, job_run_step
from pilotage.strategy import services_campaigns


@task()
def campaign_invite_task(campaign_id: int, job_id: int) -> dict[str, int]:
    """E-mail the managers invited to a campaign that just opened."""
    url = reverse("strategy:campaign_detail", args=[campaign_id])
    sent = job_run_step(
        job_id,
        lambda progress: services_campaigns.campaign_invite(campaign_id=campaign_id, progress=progress),
        start_message=gettext("Writing to the invited managers"),
        result_url=url,
        failure_message=gettext("The invitations failed: %(error)s"),
    )
    job_finish(
        job_id,
        result={"url": url, "sent": sent or 0},
        message=gettext("%(n)s managers invited by e-mail") % {"n": sent or 0},
    )
    return {"sent": sent or 0}
