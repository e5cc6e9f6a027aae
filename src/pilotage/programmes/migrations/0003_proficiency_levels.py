"""The default four-level proficiency scale of the skills framework (editable afterwards)."""

from django.db import migrations

LEVELS = [
    (1, "Awareness", "Notions", "Knows the basics and the vocabulary."),
    (2, "Practitioner", "Application", "Applies it in usual situations, with help when needed."),
    (3, "Proficient", "Maîtrise", "Applies it autonomously, including unusual situations."),
    (4, "Expert", "Expertise", "Masters it, improves practice and teaches others."),
]


def create_levels(apps, schema_editor):
    ProficiencyLevel = apps.get_model("programmes", "ProficiencyLevel")
    for rank, en, fr, description in LEVELS:
        ProficiencyLevel.objects.get_or_create(rank=rank, defaults={"name_en": en, "name_fr": fr, "description": description})


class Migration(migrations.Migration):
    dependencies = [("programmes", "0002_initial")]
    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
