from django.urls import path

from pilotage.people import views_audiences

urlpatterns = [
    path("", views_audiences.audience_list, name="audience_list"),
]
