from django.urls import path

from pilotage.core import views

urlpatterns = [
    path("", views.account, name="account"),
    path("tokens/", views.api_token_create, name="api_token_create"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("jobs/<int:pk>/", views.job_progress, name="job_progress"),
]
