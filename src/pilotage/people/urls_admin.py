from django.urls import path

from pilotage.people import views_admin

urlpatterns = [
    path("users/", views_admin.user_list, name="admin_user_list"),
    path("users/new/", views_admin.user_create, name="admin_user_create"),
    path("users/<int:pk>/", views_admin.user_detail, name="admin_user_detail"),
    path("users/<int:pk>/roles/<str:role>/revoke/", views_admin.user_role_revoke, name="admin_user_role_revoke"),
    path("users/<int:pk>/toggle-active/", views_admin.user_toggle_active, name="admin_user_toggle_active"),
    path("org-units/", views_admin.org_unit_admin, name="admin_org_units"),
    path("org-units/<int:pk>/", views_admin.org_unit_detail, name="admin_org_unit_detail"),
]
