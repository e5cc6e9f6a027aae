from django.urls import path

from pilotage.people import views_audiences

urlpatterns = [
    path("", views_audiences.audience_list, name="audience_list"),
    path("new/", views_audiences.audience_create, name="audience_create"),
    path("preview/", views_audiences.audience_preview, name="audience_preview"),
    path("<int:pk>/", views_audiences.audience_detail, name="audience_detail"),
    path("<int:pk>/edit/", views_audiences.audience_edit, name="audience_edit"),
    path("<int:pk>/delete/", views_audiences.audience_delete, name="audience_delete"),
]
