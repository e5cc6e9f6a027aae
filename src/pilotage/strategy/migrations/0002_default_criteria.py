"""The six default prioritisation criteria (weights sum to 100; the DLM edits them afterwards)."""

from django.db import migrations

# key, English, French, weight, source, description
CRITERIA = [
    (
        "strategic_alignment",
        "Strategic alignment",
        "Alignement stratégique",
        25,
        "objective",
        "Weight (1–5) of the leadership objective the request serves.",
    ),
    (
        "business_impact",
        "Business impact",
        "Impact métier",
        20,
        "manual",
        "Expected effect on the business, scored 0–5.",
    ),
    ("urgency", "Urgency", "Urgence", 15, "urgency", "How close the wished date is."),
    ("reach", "Reach", "Population touchée", 15, "reach", "How many people are concerned."),
    (
        "legal_obligation",
        "Legal obligation",
        "Obligation réglementaire",
        15,
        "legal",
        "A legal or regulatory obligation scores 5.",
    ),
    ("cost", "Cost", "Coût", 10, "cost", "Budget indication: lower is better."),
]


def create_criteria(apps, schema_editor):
    Criterion = apps.get_model("strategy", "Criterion")
    if Criterion.objects.exists():
        return
    for position, (key, en, fr, weight, source, description) in enumerate(CRITERIA):
        Criterion.objects.create(
            key=key,
            name_en=en,
            name_fr=fr,
            weight=weight,
            source=source,
            description=description,
            position=position,
            active=True,
        )


def remove_criteria(apps, schema_editor):
    Criterion = apps.get_model("strategy", "Criterion")
    Criterion.objects.filter(key__in=[c[0] for c in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("strategy", "0001_initial")]
    operations = [migrations.RunPython(create_criteria, remove_criteria)]
