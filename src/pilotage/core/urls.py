from django.urls import path

from pilotage.core import views

urlpatterns = [
    path("", views.account, name="account"),
    path("jobs/<int:pk>/", views.job_progress, name="job_progress"),
]
