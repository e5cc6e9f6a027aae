"""The demo company: a believable French group, built deterministically from a seed.

``demo_company_create(actor=..., seed=..., size=...)`` fills an empty database with
Groupe Orvalis — a 4-level org tree (Groupe → Directions → Départements → Équipes),
8 sites in 3 countries, ~25 job roles, employees with their managers, custom attributes,
one login per persona and a few saved audiences. The same seed always gives the same
company (employee numbers, names, e-mails, managers).

Used by ``pilotage demo`` and by ``pilotage run`` on an empty database. Never in production.
Bulk inserts (``bulk_create`` in batches) keep the large size (100,000 employees) fast.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import CharField, Model, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from pilotage.core.audit import audit_record
from pilotage.core.errors import ValidationFailed
from pilotage.people import services
from pilotage.people.audiences import audience_create
from pilotage.people.models import (
    Audience,
    Employee,
    ExternalOrganisation,
    JobRole,
    Language,
    OrgUnit,
    Role,
    Site,
    User,
)

DEFAULT_SEED = 2026
DEMO_PASSWORD = "pilotage-demo-2026"
COMPANY_NAME = "Groupe Orvalis"
COMPANY_DOMAIN = "orvalis.example"
VENDOR_NAME = "Studio Pixel Learning"
SIZES: dict[str, int] = {"small": 200, "standard": 2000, "large": 100_000}
# Hire dates are drawn relative to a fixed day, not "today", so that a seed gives the same company every year.
REFERENCE_DATE = dt.date(2026, 1, 5)
HIRE_YEARS = 25
AVERAGE_TEAM_SIZE = 9
INACTIVE_SHARE = 0.03
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Persona:
    key: str
    email: str
    role: str
    label: str
    description: str


# One login per persona; ``pilotage run`` prints those that exist in the database.
PERSONAS: list[Persona] = [
    Persona("dlm", f"dlm@{COMPANY_DOMAIN}", Role.DLM, "Digital learning manager", "head of Formation, sees everything"),
    Persona("ld", f"ld@{COMPANY_DOMAIN}", Role.LD, "L&D team member", "member of the Formation team"),
    Persona(
        "client_commercial",
        f"client.commercial@{COMPANY_DOMAIN}",
        Role.CLIENT,
        "Internal client",
        "director, scope: Direction Commerciale",
    ),
    Persona(
        "client_industrie",
        f"client.industrie@{COMPANY_DOMAIN}",
        Role.CLIENT,
        "Internal client",
        "director, scope: Direction Industrie",
    ),
    Persona("approver_it", f"approver.it@{COMPANY_DOMAIN}", Role.APPROVER_IT, "Approver: IT", "CIO (DSI)"),
    Persona(
        "approver_purchasing",
        f"approver.purchasing@{COMPANY_DOMAIN}",
        Role.APPROVER_PURCHASING,
        "Approver: Purchasing",
        "head of Achats",
    ),
    Persona(
        "approver_finance",
        f"approver.finance@{COMPANY_DOMAIN}",
        Role.APPROVER_FINANCE,
        "Approver: Finance",
        "CFO (Direction Financière)",
    ),
    Persona("vendor", "vendor@studio-pixel.example", Role.VENDOR, "Vendor contact", VENDOR_NAME),
    Persona(
        "facilitator",
        "facilitator@formation-conseil.example",
        Role.FACILITATOR,
        "Facilitator",
        "external trainer, no employee record",
    ),
    Persona("manager", f"manager@{COMPANY_DOMAIN}", Role.MANAGER, "Manager", "manages a sales team in Paris"),
    Persona("learner", f"learner@{COMPANY_DOMAIN}", Role.LEARNER, "Learner", "member of the manager's team"),
]

# --- Reference data ------------------------------------------------------------------

# code, name, country, city, time zone, share of English speakers
SITES: list[tuple[str, str, str, str, str, float]] = [
    ("PAR", "Paris La Défense", "FR", "Paris", "Europe/Paris", 0.07),
    ("LYS", "Lyon Part-Dieu", "FR", "Lyon", "Europe/Paris", 0.07),
    ("LIL", "Lille Euralille", "FR", "Lille", "Europe/Paris", 0.07),
    ("NTE", "Nantes", "FR", "Nantes", "Europe/Paris", 0.07),
    ("TLS", "Toulouse Blagnac", "FR", "Toulouse", "Europe/Paris", 0.07),
    ("BRU", "Bruxelles", "BE", "Bruxelles", "Europe/Brussels", 0.3),
    ("MTL", "Montréal", "CA", "Montréal", "America/Toronto", 0.35),
    ("QUE", "Québec", "CA", "Québec", "America/Toronto", 0.2),
]

# code, name, family, collar
JOB_ROLES: list[tuple[str, str, str, str]] = [
    ("DG", "Directeur général", "Direction", "cadre"),
    ("DIR", "Directeur", "Direction", "cadre"),
    ("RESP", "Responsable de département", "Management", "cadre"),
    ("MGR", "Manager d'équipe", "Management", "cadre"),
    ("CHEF", "Chef d'équipe", "Management", "agent de maîtrise"),
    ("ING-COM", "Ingénieur commercial", "Ventes", "cadre"),
    ("CHG-AFF", "Chargé d'affaires", "Ventes", "cadre"),
    ("ASS-COM", "Assistant commercial", "Ventes", "non-cadre"),
    ("CONS-CLI", "Conseiller client", "Relation client", "non-cadre"),
    ("OPE-PROD", "Opérateur de production", "Production", "non-cadre"),
    ("TECH-MAINT", "Technicien de maintenance", "Production", "agent de maîtrise"),
    ("ING-METH", "Ingénieur méthodes", "Production", "cadre"),
    ("TECH-QUAL", "Technicien qualité", "Qualité", "agent de maîtrise"),
    ("ANIM-HSE", "Animateur HSE", "Qualité", "agent de maîtrise"),
    ("PREP", "Préparateur de commandes", "Logistique", "non-cadre"),
    ("CARISTE", "Cariste", "Logistique", "non-cadre"),
    ("APPRO", "Approvisionneur", "Logistique", "agent de maîtrise"),
    ("COMPTA", "Comptable", "Finance", "non-cadre"),
    ("CDG", "Contrôleur de gestion", "Finance", "cadre"),
    ("ACHETEUR", "Acheteur", "Achats", "cadre"),
    ("JURISTE", "Juriste", "Juridique", "cadre"),
    ("CHG-RH", "Chargé RH", "Ressources humaines", "non-cadre"),
    ("CHG-FORM", "Chargé de formation", "Ressources humaines", "cadre"),
    ("DEV", "Développeur", "Systèmes d'information", "cadre"),
    ("ADMIN-SYS", "Administrateur systèmes", "Systèmes d'information", "cadre"),
    ("SUPPORT", "Technicien support", "Systèmes d'information", "non-cadre"),
    ("DATA", "Data analyst", "Systèmes d'information", "cadre"),
    ("CHEF-PROD", "Chef de produit", "Marketing", "cadre"),
    ("CHG-COMM", "Chargé de communication", "Marketing", "non-cadre"),
]


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    roles: tuple[str, ...]  # job role codes of team members, drawn uniformly
    team_lead: str = "MGR"
    weight: float = 1.0  # share of the direction's headcount, relative to its sister departments


@dataclass(frozen=True)
class Direction:
    code: str
    name: str
    share: float  # of the headcount
    sites: dict[str, int]  # site code -> weight
    departments: tuple[Department, ...]


DIRECTIONS: list[Direction] = [
    Direction(
        "COM",
        "Direction Commerciale",
        0.24,
        {"PAR": 6, "LYS": 3, "LIL": 2, "NTE": 2, "TLS": 2, "BRU": 2, "MTL": 2, "QUE": 1},
        (
            Department("COM-VGC", "Ventes Grands Comptes", ("ING-COM", "CHG-AFF", "ING-COM", "ASS-COM")),
            Department("COM-VPR", "Ventes PME et Réseau", ("CHG-AFF", "CHG-AFF", "ASS-COM"), weight=1.5),
            Department("COM-ADV", "Administration des ventes", ("ASS-COM", "CONS-CLI"), weight=0.7),
            Department("COM-SRC", "Service client", ("CONS-CLI", "CONS-CLI", "ASS-COM"), weight=1.2),
        ),
    ),
    Direction(
        "IND",
        "Direction Industrie",
        0.30,
        {"LYS": 4, "LIL": 3, "NTE": 2, "TLS": 3, "MTL": 2, "QUE": 1},
        (
            Department("IND-PRD", "Production", ("OPE-PROD", "OPE-PROD", "OPE-PROD", "TECH-MAINT"), "CHEF", weight=3.0),
            Department("IND-MNT", "Maintenance", ("TECH-MAINT", "TECH-MAINT", "ING-METH"), "CHEF", weight=1.5),
            Department("IND-QUA", "Qualité", ("TECH-QUAL", "TECH-QUAL", "ING-METH")),
            Department("IND-HSE", "Hygiène, sécurité, environnement", ("ANIM-HSE", "TECH-QUAL"), weight=0.5),
            Department("IND-BET", "Bureau d'études", ("ING-METH", "ING-METH", "DEV")),
        ),
    ),
    Direction(
        "SCM",
        "Direction Supply Chain",
        0.14,
        {"LIL": 3, "NTE": 3, "LYS": 2, "BRU": 2, "MTL": 1},
        (
            Department("SCM-LOG", "Logistique", ("PREP", "PREP", "CARISTE", "CARISTE", "APPRO"), "CHEF", weight=2.0),
            Department("SCM-TRA", "Transport", ("APPRO", "PREP", "CARISTE"), "CHEF"),
            Department("SCM-PLA", "Planification", ("APPRO", "APPRO", "CDG"), weight=0.6),
        ),
    ),
    Direction(
        "FIN",
        "Direction Financière",
        0.07,
        {"PAR": 6, "BRU": 1, "MTL": 1},
        (
            Department("FIN-CPT", "Comptabilité", ("COMPTA",), weight=1.5),
            Department("FIN-CDG", "Contrôle de gestion", ("CDG",)),
            Department("FIN-ACH", "Achats", ("ACHETEUR",)),
            Department("FIN-JUR", "Juridique", ("JURISTE",), weight=0.5),
        ),
    ),
    Direction(
        "RH",
        "Direction des Ressources Humaines",
        0.06,
        {"PAR": 4, "LYS": 1, "MTL": 1},
        (
            Department("RH-ADP", "Administration du personnel", ("CHG-RH",), weight=1.5),
            Department("RH-FOR", "Formation et développement", ("CHG-FORM",)),
            Department("RH-REC", "Recrutement et marque employeur", ("CHG-RH", "CHG-COMM")),
        ),
    ),
    Direction(
        "DSI",
        "Direction des Systèmes d'Information",
        0.12,
        {"PAR": 3, "LYS": 2, "NTE": 2, "BRU": 1},
        (
            Department("DSI-INF", "Infrastructure et exploitation", ("ADMIN-SYS", "SUPPORT", "SUPPORT")),
            Department("DSI-APP", "Applications métier", ("DEV", "DEV", "DATA"), weight=1.5),
            Department("DSI-DAT", "Data et BI", ("DATA", "DEV")),
            Department("DSI-SEC", "Cybersécurité", ("ADMIN-SYS", "DEV"), weight=0.6),
        ),
    ),
    Direction(
        "MKT",
        "Direction Marketing",
        0.07,
        {"PAR": 4, "MTL": 1, "BRU": 1},
        (
            Department("MKT-PRO", "Marketing produit", ("CHEF-PROD",)),
            Department("MKT-DIG", "Marketing digital", ("CHG-COMM", "DATA")),
            Department("MKT-COM", "Communication", ("CHG-COMM",)),
        ),
    ),
]

# fmt: off
# Common French first names and surnames (INSEE frequency lists, most common first).
FIRST_NAMES_FR: tuple[str, ...] = (
    "Marie", "Jean", "Pierre", "Michel", "Nathalie", "Isabelle", "Philippe", "Sylvie", "Catherine", "Nicolas",
    "Christophe", "Sophie", "Stéphane", "Sandrine", "Frédéric", "Valérie", "Laurent", "Céline", "Julien", "Stéphanie",
    "Sébastien", "Véronique", "David", "Christine", "Thomas", "Aurélie", "Olivier", "Julie", "Alexandre", "Caroline",
    "Vincent", "Émilie", "Guillaume", "Camille", "Maxime", "Laura", "Antoine", "Sarah", "Romain", "Pauline",
    "Mathieu", "Élodie", "Kevin", "Marion", "Jérôme", "Anne", "Benoît", "Claire", "Hugo", "Léa",
    "Lucas", "Manon", "Théo", "Chloé", "Louis", "Emma", "Arthur", "Inès", "Gabriel", "Jade",
    "Raphaël", "Louise", "Paul", "Alice", "Mathis", "Lina", "Nathan", "Juliette", "Enzo", "Clara",
    "Quentin", "Océane", "Florian", "Mélanie", "Damien", "Audrey", "Cédric", "Hélène", "Fabien", "Agnès",
    "Karim", "Samira", "Mehdi", "Yasmine", "Rachid", "Nadia", "Sofiane", "Leïla", "Bruno", "Patricia",
    "Éric", "Martine", "Thierry", "Brigitte", "Pascal", "Dominique", "Didier", "Françoise", "Yannick", "Morgane",
)
LAST_NAMES_FR: tuple[str, ...] = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
    "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
    "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
    "Benali", "Haddad", "Belkacem", "Nguyen", "Da Silva", "Ferreira", "Diallo", "Traoré", "Cohen", "Bensaïd",
)
# Québec and Belgium have their own frequent surnames; English speakers there get English or Flemish names.
LAST_NAMES_QC: tuple[str, ...] = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
    "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard", "Boucher",
)
LAST_NAMES_BE: tuple[str, ...] = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Leroy", "Renard", "Lejeune", "Denis", "Hermans",
)
FIRST_NAMES_EN: tuple[str, ...] = (
    "James", "Emily", "Michael", "Sarah", "David", "Jessica", "Daniel", "Ashley", "Matthew", "Olivia",
    "Ryan", "Hannah", "Andrew", "Megan", "Liam", "Chloe", "Ethan", "Grace", "Noah", "Emma",
)
LAST_NAMES_EN: tuple[str, ...] = (
    "Smith", "Brown", "Wilson", "Taylor", "Campbell", "Anderson", "Johnson", "MacDonald", "Thompson", "Stewart",
)
FIRST_NAMES_NL: tuple[str, ...] = (
    "Jan", "Pieter", "Lotte", "Sofie", "Wouter", "Bram", "Elke", "Lien", "Jeroen", "Annelies",
    "Koen", "Griet", "Stijn", "Ine", "Joris", "Hanne", "Tom", "Katrien", "Wim", "Evi",
)
# fmt: on


def _weights(count: int) -> list[float]:
    # Names are roughly Zipf-distributed: the first of each list is the most frequent.
    return [1 / (rank + 1) ** 0.6 for rank in range(count)]


_W_FIRST_FR = _weights(len(FIRST_NAMES_FR))
_ENGLISH_SHARE = {code: share for code, _n, _c, _ci, _tz, share in SITES}
_COLLAR = {code: collar for code, _n, _f, collar in JOB_ROLES}
_LEAD_ROLES = frozenset({"DG", "DIR", "RESP", "MGR", "CHEF"})
_W_LAST_FR = _weights(len(LAST_NAMES_FR))


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(c if c.isalnum() else "-" for c in plain).strip("-")


# --- Building ------------------------------------------------------------------------


@dataclass
class DemoSummary:
    seed: int
    size: str
    employees: int = 0
    org_units: int = 0
    sites: int = 0
    job_roles: int = 0
    audiences: int = 0
    personas: list[str] = field(default_factory=list)


class _Builder:
    """Draws the whole company from one ``random.Random(seed)``; order of draws is fixed."""

    def __init__(self, *, seed: int, size: str) -> None:
        if size not in SIZES:
            raise ValidationFailed(
                {
                    "size": [
                        _("Unknown size %(size)r: choose one of %(sizes)s.") % {"size": size, "sizes": ", ".join(SIZES)}
                    ]
                }
            )
        self.rng = random.Random(seed)
        self.target = SIZES[size]
        self.emails: set[str] = set()
        self.sites: dict[str, Site] = {}
        self.roles: dict[str, JobRole] = {}
        self.units: dict[str, OrgUnit] = {}
        self.employees: list[Employee] = []
        self.team_members: dict[str, list[Employee]] = {}  # team code -> members (managers excluded)
        self.heads: dict[str, Employee] = {}  # org unit code -> head of that unit

    # Names and people ---------------------------------------------------------------

    def _name(self, site_code: str, english: bool) -> tuple[str, str]:
        rng = self.rng
        country = self.sites[site_code].country
        if country == "CA" and english:
            return rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN)
        if country == "BE" and english:
            return rng.choice(FIRST_NAMES_NL), rng.choice(LAST_NAMES_BE[:10])
        first = rng.choices(FIRST_NAMES_FR, _W_FIRST_FR)[0]
        if country == "CA" and rng.random() < 0.6:
            return first, rng.choice(LAST_NAMES_QC)
        if country == "BE" and rng.random() < 0.5:
            return first, rng.choice(LAST_NAMES_BE)
        if english and rng.random() < 0.5:
            return rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN)
        return first, rng.choices(LAST_NAMES_FR, _W_LAST_FR)[0]

    def _email(self, first: str, last: str) -> str:
        base = f"{_slug(first)}.{_slug(last)}"
        email, n = f"{base}@{COMPANY_DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{COMPANY_DOMAIN}"
        self.emails.add(email)
        return email

    def _hire_date(self, *, tenure: float) -> dt.date:
        """A hire date over the last 25 years, most often about ``tenure`` years ago."""
        years = self.rng.triangular(0, HIRE_YEARS, tenure)
        return REFERENCE_DATE - dt.timedelta(days=int(years * 365.25) + 1)

    def _employee(
        self, *, unit: OrgUnit, site_code: str, role_code: str, manager: Employee | None, tenure: float
    ) -> Employee:
        rng = self.rng
        site = self.sites[site_code]
        english = rng.random() < _ENGLISH_SHARE[site_code]
        first, last = self._name(site_code, english)
        is_member = role_code not in _LEAD_ROLES
        contract = rng.choices(["CDI", "CDD", "Alternance"], [86, 8, 6])[0] if is_member else "CDI"
        hire = self._hire_date(tenure=tenure)
        if contract != "CDI":  # fixed-term contracts and apprentices are recent
            hire = REFERENCE_DATE - dt.timedelta(days=rng.randint(20, 700))
        employee = Employee(
            first_name=first,
            last_name=last,
            email=self._email(first, last),
            org_unit=unit,
            site=site,
            job_role=self.roles[role_code],
            hire_date=hire,
            language=Language.EN if english else Language.FR,
            active=True,
            attributes={
                "contract": contract,
                "collar": _COLLAR[role_code],
                "work_time": "temps partiel" if rng.random() < 0.07 else "temps plein",
                "cost_center": f"CC-{unit.code.split('-')[0]}",
            },
        )
        employee._demo_manager = manager  # type: ignore[attr-defined]
        self.employees.append(employee)
        return employee

    # Reference data and the tree ----------------------------------------------------

    def reference_data(self) -> None:
        sites = Site.objects.bulk_create(
            [Site(code=c, name=n, country=co, city=ci, timezone=tz) for c, n, co, ci, tz, _en in SITES]
        )
        self.sites = {s.code: s for s in sites}
        roles = JobRole.objects.bulk_create([JobRole(code=c, name=n, family=f) for c, n, f, _collar in JOB_ROLES])
        self.roles = {r.code: r for r in roles}

    def _split(self, total: int, parts: int) -> list[int]:
        """``total`` split into ``parts`` uneven shares (each at least 1)."""
        weights = [self.rng.uniform(0.6, 1.4) for _ in range(parts)]
        scale = sum(weights)
        shares = [max(1, round(total * w / scale)) for w in weights]
        return shares

    def tree(self) -> list[tuple[Department, Direction, OrgUnit, list[tuple[OrgUnit, str, int]]]]:
        """Create the org units level by level; returns, per department, its teams (unit, site, size)."""
        root = OrgUnit(code="GRP", name=COMPANY_NAME)
        _insert_level([root], depth=0)
        self.units["GRP"] = root
        directions = [OrgUnit(code=d.code, name=d.name, parent=root) for d in DIRECTIONS]
        _insert_level(directions, depth=1)
        plan: list[tuple[Department, Direction, OrgUnit, list[tuple[OrgUnit, str, int]]]] = []
        departments: list[OrgUnit] = []
        for direction, unit in zip(DIRECTIONS, directions, strict=True):
            self.units[direction.code] = unit
            for department in direction.departments:
                dep_unit = OrgUnit(code=department.code, name=department.name, parent=unit)
                departments.append(dep_unit)
                plan.append((department, direction, dep_unit, []))
        _insert_level(departments, depth=2)
        teams: list[OrgUnit] = []
        for department, direction, dep_unit, team_list in plan:
            self.units[department.code] = dep_unit
            total_weight = sum(d.weight for d in direction.departments)
            headcount = round(self.target * direction.share * department.weight / total_weight)
            team_count = max(1, round((headcount - 1) / (AVERAGE_TEAM_SIZE + 1)))
            sizes = self._split(max(team_count * 2, headcount - 1 - team_count), team_count)
            site_codes = list(direction.sites)
            site_weights = list(direction.sites.values())
            team_sites = sorted(
                (self.rng.choices(site_codes, site_weights)[0] for _ in range(team_count)), key=site_codes.index
            )
            per_site: dict[str, int] = {}
            for site_code in team_sites:
                per_site[site_code] = per_site.get(site_code, 0) + 1
            seen: dict[str, int] = {}
            for index, (site_code, size) in enumerate(zip(team_sites, sizes, strict=True), start=1):
                seen[site_code] = seen.get(site_code, 0) + 1
                city = self.sites[site_code].city
                suffix = f" {seen[site_code]}" if per_site[site_code] > 1 else ""
                team = OrgUnit(
                    code=f"{department.code}-{index:03d}", name=f"{department.name} – {city}{suffix}", parent=dep_unit
                )
                teams.append(team)
                team_list.append((team, site_code, size))
        _insert_level(teams, depth=3)
        for _department, _direction, _dep, team_list in plan:
            for team, _site, _size in team_list:
                self.units[team.code] = team
        return plan

    # People -------------------------------------------------------------------------

    def people(self, plan: list[tuple[Department, Direction, OrgUnit, list[tuple[OrgUnit, str, int]]]]) -> None:
        ceo = self._employee(unit=self.units["GRP"], site_code="PAR", role_code="DG", manager=None, tenure=12)
        self.heads["GRP"] = ceo
        for direction in DIRECTIONS:
            site = "PAR" if "PAR" in direction.sites else next(iter(direction.sites))
            self.heads[direction.code] = self._employee(
                unit=self.units[direction.code], site_code=site, role_code="DIR", manager=ceo, tenure=10
            )
        for department, direction, dep_unit, team_list in plan:
            self.heads[department.code] = self._employee(
                unit=dep_unit,
                site_code=team_list[0][1],
                role_code="RESP",
                manager=self.heads[direction.code],
                tenure=9,
            )
        for department, _direction, _dep_unit, team_list in plan:
            for team, site_code, _size in team_list:
                self.heads[team.code] = self._employee(
                    unit=team,
                    site_code=site_code,
                    role_code=department.team_lead,
                    manager=self.heads[department.code],
                    tenure=7,
                )
        for department, _direction, _dep_unit, team_list in plan:
            for team, site_code, size in team_list:
                members = [
                    self._employee(
                        unit=team,
                        site_code=site_code,
                        role_code=self.rng.choice(department.roles),
                        manager=self.heads[team.code],
                        tenure=1.5,
                    )
                    for _ in range(size)
                ]
                self.team_members[team.code] = members
        # Employee numbers follow seniority, as in a real HRIS.
        for number, employee in enumerate(sorted(self.employees, key=lambda e: (e.hire_date, e.email)), start=1):
            employee.employee_number = f"E{number:06d}"
        # A few members have left (never a manager, never a persona).
        keep = {id(e) for e in self._persona_employees().values() if e is not None}
        leavers = [e for ms in self.team_members.values() for e in ms if id(e) not in keep]
        for employee in self.rng.sample(leavers, min(len(leavers), round(len(self.employees) * INACTIVE_SHARE))):
            employee.active = False
            employee.attributes["exit_reason"] = self.rng.choice(
                ["démission", "fin de contrat", "retraite", "mutation"]
            )

    def insert_people(self) -> None:
        """Insert managers before their reports so that every ``manager_path`` is known."""
        by_level: dict[int, list[Employee]] = {}
        for employee in self.employees:
            level, manager = 0, employee._demo_manager  # type: ignore[attr-defined]
            while manager is not None:
                level, manager = level + 1, manager._demo_manager
            by_level.setdefault(level, []).append(employee)
        for level in sorted(by_level):
            for employee in by_level[level]:
                manager = employee._demo_manager  # type: ignore[attr-defined]
                if manager is not None:
                    employee.manager = manager
                    employee.manager_path = f"{manager.manager_path or '/'}{manager.pk}/"
            Employee.objects.bulk_create(by_level[level], batch_size=BATCH_SIZE)

    def _persona_team(self) -> str:
        return next(code for code in self.team_members if code.startswith("COM-VGC-"))

    # Personas -----------------------------------------------------------------------

    def _persona_employees(self) -> dict[str, Employee | None]:
        team_code = self._persona_team()
        ld_team = next(code for code in self.team_members if code.startswith("RH-FOR-"))
        return {
            "dlm": self.heads["RH-FOR"],
            "ld": self.team_members[ld_team][0],
            "client_commercial": self.heads["COM"],
            "client_industrie": self.heads["IND"],
            "approver_it": self.heads["DSI"],
            "approver_purchasing": self.heads["FIN-ACH"],
            "approver_finance": self.heads["FIN"],
            "vendor": None,
            "facilitator": None,
            "manager": self.heads[team_code],
            "learner": self.team_members[team_code][0],
        }

    def personas(self, actor: Any) -> list[str]:
        vendor = ExternalOrganisation.objects.create(name=VENDOR_NAME, kind=ExternalOrganisation.Kind.VENDOR)
        team_code = self._persona_team()
        employees = self._persona_employees()
        scopes: dict[str, dict[str, Any]] = {
            "client_commercial": {"org_units": [self.units["COM"]]},
            "client_industrie": {"org_units": [self.units["IND"]]},
            "manager": {"org_units": [self.units[team_code]]},
            "vendor": {"organisation": vendor},
        }
        created: list[str] = []
        # One (slow, salted) Argon2 hash shared by every persona: they all have the same password.
        password_hash = make_password(DEMO_PASSWORD)
        for persona in PERSONAS:
            employee = employees[persona.key]
            # Standalone users (vendor, external facilitator) get a name drawn like everyone else's.
            display_name = employee.full_name if employee else " ".join(self._name("PAR", english=False))
            user = User.objects.create(
                email=persona.email,
                password=password_hash,
                display_name=display_name,
                employee=employee,
                organisation=vendor if persona.key == "vendor" else None,
                language=employee.language if employee else Language.FR,
            )
            audit_record(actor=actor, action="create", instance=user, note="demo persona")
            services.role_assign(actor=actor, user=user, role=persona.role, **scopes.get(persona.key, {}))
            created.append(persona.email)
        return created


def _insert_level(units: list[OrgUnit], *, depth: int) -> None:
    """Insert one level of the tree, then write every materialised path in one UPDATE."""
    for unit in units:
        unit.depth = depth
    OrgUnit.objects.bulk_create(units, batch_size=BATCH_SIZE)
    parent_path = Subquery(OrgUnit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1])
    level = OrgUnit.objects.filter(depth=depth, path="")
    level.update(path=Concat(Coalesce(parent_path, Value("/")), Cast("pk", CharField()), Value("/")))
    paths = dict(OrgUnit.objects.filter(depth=depth).values_list("pk", "path"))
    for unit in units:
        unit.path = paths[unit.pk]


# --- Audiences -----------------------------------------------------------------------


def _audience_specs(builder: _Builder) -> list[tuple[str, str, dict[str, Any]]]:
    """A few saved audiences over the demo company, in the grammar of docs/audiences.md."""
    lead_roles = [builder.roles[c].pk for c in ("MGR", "CHEF", "RESP")]
    return [
        (
            "Managers de la Direction Commerciale",
            "Team managers and heads of department of the Direction Commerciale.",
            {
                "op": "and",
                "rules": [
                    {"field": "org_unit", "operator": "in_subtree", "value": [builder.units["COM"].pk]},
                    {"field": "job_role", "operator": "in", "value": lead_roles},
                ],
            },
        ),
        (
            "Anglophones Canada et Belgique",
            "English-speaking employees of the Canadian and Belgian sites.",
            {
                "op": "and",
                "rules": [
                    {"field": "language", "operator": "in", "value": ["en"]},
                    {"field": "country", "operator": "in", "value": ["CA", "BE"]},
                ],
            },
        ),
        (
            "Alternants et CDD",
            "Apprentices and fixed-term contracts, for the onboarding path.",
            {
                "op": "and",
                "rules": [
                    {
                        "field": "attribute",
                        "operator": "in",
                        "value": {"key": "contract", "values": ["Alternance", "CDD"]},
                    },
                ],
            },
        ),
        (
            "Production et maintenance — sites français",
            "Production and maintenance teams of the Direction Industrie in France.",
            {
                "op": "and",
                "rules": [
                    {
                        "field": "org_unit",
                        "operator": "in_subtree",
                        "value": [builder.units["IND-PRD"].pk, builder.units["IND-MNT"].pk],
                    },
                    {"field": "country", "operator": "in", "value": ["FR"]},
                ],
            },
        ),
    ]


def _create_audiences(builder: _Builder, owner: User) -> int:
    specs = _audience_specs(builder)
    for name, description, rules in specs:
        audience_create(actor=owner, name=name, description=description, rules=rules)
    return len(specs)


# --- Entry points --------------------------------------------------------------------


PEOPLE_MODELS: tuple[type[Model], ...] = (OrgUnit, Site, JobRole, Employee, ExternalOrganisation, Audience, User)


def database_is_empty() -> bool:
    """True when no people data and no login exist yet: the demo may fill the database."""
    return not any(model.objects.exists() for model in PEOPLE_MODELS)  # type: ignore[attr-defined]


def demo_allowed() -> bool:
    return getattr(settings, "PILOTAGE_ENV", "development") != "production"


@transaction.atomic
def demo_company_create(*, actor: Any, seed: int = DEFAULT_SEED, size: str = "standard") -> DemoSummary:
    """Fill an empty database with the demo company (same seed, same company).

    Raises ``ValidationFailed`` in production or when the database already holds people or users.
    """
    if not demo_allowed():
        raise ValidationFailed({"PILOTAGE_ENV": [_("The demo company is never created when PILOTAGE_ENV=production.")]})
    if not database_is_empty():
        raise ValidationFailed(
            {"database": [_("The database already holds people or users; the demo only fills an empty database.")]}
        )
    builder = _Builder(seed=seed, size=size)
    builder.reference_data()
    plan = builder.tree()
    builder.people(plan)
    builder.insert_people()
    personas = builder.personas(actor)
    # The DLM owns the audiences, created through the audiences service like any other.
    audiences = _create_audiences(builder, User.objects.get(email=PERSONAS[0].email))
    summary = DemoSummary(
        seed=seed,
        size=size,
        employees=len(builder.employees),
        org_units=len(builder.units),
        sites=len(builder.sites),
        job_roles=len(builder.roles),
        audiences=audiences,
        personas=personas,
    )
    audit_record(
        actor=actor,
        action="demo_seed",
        instance=builder.units["GRP"],
        changes={"seed": [None, seed], "size": [None, size], "employees": [None, summary.employees]},
        note="demo company created",
    )
    return summary


def persona_logins() -> list[tuple[Persona, User]]:
    """The demo personas that exist in the database, in the order of ``PERSONAS``."""
    users = {u.email: u for u in User.objects.filter(email__in=[p.email for p in PERSONAS], is_active=True)}
    return [(p, users[p.email]) for p in PERSONAS if p.email in users]
