from django.urls import path

from pilotage.people import views

app_name = "people"

urlpatterns = [
    path("", views.employee_list, name="employee_list"),
    path("<int:pk>/", views.employee_detail, name="employee_detail"),
    path("org/", views.org_chart, name="org_chart"),
    path("audiences/", views.audience_list, name="audience_list"),
]
