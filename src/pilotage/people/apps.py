from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "pilotage.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from pilotage.core import navigation
        from pilotage.people import permissions

        navigation.register_group("people", _("People"), order=10)
        navigation.register_group("admin", _("Administration"), order=80)
        navigation.register(
            "people",
            _("Directory"),
            "people:employee_list",
            order=10,
            visible=permissions.can_read_people,
            group="people",
        )
        navigation.register(
            "org", _("Org chart"), "people:org_chart", order=11, visible=permissions.can_read_people, group="people"
        )
        navigation.register(
            "admin_users",
            _("Users and roles"),
            "people:admin_user_list",
            order=80,
            visible=permissions.can_manage_people,
            group="admin",
        )
        navigation.register(
            "admin_org_units",
            _("Org units"),
            "people:admin_org_units",
            order=81,
            visible=permissions.can_manage_people,
            group="admin",
        )
        navigation.register(
            "people_import",
            _("HRIS import"),
            "people:import_start",
            order=82,
            visible=permissions.can_manage_people,
            group="admin",
        )
        navigation.register(
            "audiences",
            _("Audiences"),
            "people:audience_list",
            order=12,
            visible=permissions.can_use_audiences,
            group="people",
        )
