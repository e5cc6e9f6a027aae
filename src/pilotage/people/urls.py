from django.urls import include, path

from pilotage.people import views

app_name = "people"

urlpatterns = [
    path("", views.employee_list, name="employee_list"),
    path("<int:pk>/", views.employee_detail, name="employee_detail"),
    path("org/", views.org_chart, name="org_chart"),
    # Each area below has its own URL module (owned by its feature).
    path("audiences/", include("pilotage.people.urls_audiences")),
    path("import/", include("pilotage.people.urls_import")),
    path("admin/", include("pilotage.people.urls_admin")),
]
