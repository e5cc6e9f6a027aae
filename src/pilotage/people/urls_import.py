from django.urls import path

from pilotage.people import views_import

urlpatterns = [
    path("", views_import.import_start, name="import_start"),
    path("<int:pk>/", views_import.import_detail, name="import_detail"),
    path("<int:pk>/mapping/", views_import.import_mapping, name="import_mapping"),
    path("<int:pk>/apply/", views_import.import_apply, name="import_apply"),
    path("<int:pk>/check/", views_import.import_recheck, name="import_recheck"),
    path("export/people.csv", views_import.people_export_csv, name="people_export_csv"),
    path("export/people.xlsx", views_import.people_export_xlsx, name="people_export_xlsx"),
]
