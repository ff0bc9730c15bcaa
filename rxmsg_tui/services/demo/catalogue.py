"""The demo pharmacy's reference data: drugs with NDCs and DEA classes, names, places.

NDCs are well-formed 5-4-2 codes under made-up labeler codes (99xxx): they look
like what a pharmacy system exports without naming a real package. Phone
numbers are 555-0100…555-0199 in Chicago-area codes, the block reserved for
fiction, which `phonenumbers` accepts as valid (so they exercise the E.164
path) while reaching nobody. Emails use the documentation domains example.com
and example.org.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoDrug:
    ndc: str
    name: str
    maintenance: bool
    dea_schedule: int
    weight: int
    """How often the drug is dispensed relative to the others."""


def _d(ndc: str, name: str, maintenance: bool, dea: int, weight: int) -> DemoDrug:
    return DemoDrug(ndc, name, maintenance, dea, weight)


DRUGS: tuple[DemoDrug, ...] = (
    # Maintenance medicines, not controlled: the bulk of refill reminders.
    _d("99101-0201-30", "Atorvastatin 20 mg tablet", True, 0, 60),
    _d("99101-0310-90", "Lisinopril 10 mg tablet", True, 0, 55),
    _d("99102-0500-01", "Metformin HCl 500 mg tablet", True, 0, 55),
    _d("99102-0505-90", "Amlodipine 5 mg tablet", True, 0, 45),
    _d("99103-0050-90", "Levothyroxine 50 mcg tablet", True, 0, 45),
    _d("99103-0150-30", "Losartan potassium 50 mg tablet", True, 0, 35),
    _d("99104-0025-90", "Metoprolol succinate ER 25 mg tablet", True, 0, 30),
    _d("99104-0120-30", "Omeprazole DR 20 mg capsule", True, 0, 35),
    _d("99105-0040-90", "Simvastatin 40 mg tablet", True, 0, 20),
    _d("99105-0125-30", "Hydrochlorothiazide 25 mg tablet", True, 0, 20),
    _d("99106-0050-30", "Sertraline 50 mg tablet", True, 0, 25),
    _d("99106-0110-30", "Escitalopram 10 mg tablet", True, 0, 20),
    _d("99107-0010-90", "Rosuvastatin 10 mg tablet", True, 0, 20),
    _d("99107-0440-30", "Pantoprazole DR 40 mg tablet", True, 0, 20),
    _d("99108-0020-30", "Furosemide 20 mg tablet", True, 0, 12),
    _d("99108-0210-30", "Montelukast 10 mg tablet", True, 0, 15),
    _d("99109-0300-90", "Gabapentin 300 mg capsule", True, 0, 18),
    _d("99109-0004-30", "Tamsulosin 0.4 mg capsule", True, 0, 12),
    _d("99110-0020-30", "Fluoxetine 20 mg capsule", True, 0, 12),
    _d("99110-0625-60", "Carvedilol 6.25 mg tablet", True, 0, 10),
    _d("99111-0005-30", "Glipizide 5 mg tablet", True, 0, 10),
    _d("99111-0100-05", "Insulin glargine 100 units/mL pen", True, 0, 8),
    _d("99112-0005-30", "Warfarin sodium 5 mg tablet", True, 0, 6),
    _d("99112-0505-60", "Apixaban 5 mg tablet", True, 0, 10),
    _d("99113-0150-30", "Bupropion XL 150 mg tablet", True, 0, 8),
    _d("99113-0060-30", "Duloxetine DR 60 mg capsule", True, 0, 8),
    _d("99114-0090-01", "Albuterol HFA 90 mcg inhaler", True, 0, 10),
    # Acute courses: no reminder unless "non-maintenance" is switched on.
    _d("99201-0500-21", "Amoxicillin 500 mg capsule", False, 0, 25),
    _d("99201-0250-06", "Azithromycin 250 mg tablet", False, 0, 18),
    _d("99202-0500-28", "Cephalexin 500 mg capsule", False, 0, 10),
    _d("99202-0010-21", "Prednisone 10 mg tablet", False, 0, 10),
    _d("99203-0500-14", "Ciprofloxacin 500 mg tablet", False, 0, 6),
    _d("99203-0800-30", "Ibuprofen 800 mg tablet", False, 0, 8),
    _d("99204-0004-20", "Ondansetron ODT 4 mg tablet", False, 0, 6),
    _d("99204-0100-20", "Doxycycline hyclate 100 mg capsule", False, 0, 6),
    _d("99205-0100-30", "Benzonatate 100 mg capsule", False, 0, 5),
    # Schedule II: never refillable; reminders only if "C2 drugs" is on.
    _d("99301-0005-30", "Oxycodone HCl 5 mg tablet", False, 2, 5),
    _d("99301-0325-20", "Hydrocodone/acetaminophen 5-325 mg tablet", False, 2, 5),
    _d("99302-0036-30", "Methylphenidate ER 36 mg tablet", True, 2, 4),
    _d("99302-0020-60", "Amphetamine mixed salts 20 mg tablet", True, 2, 4),
    _d("99303-0015-60", "Morphine sulfate ER 15 mg tablet", True, 2, 2),
    # Schedules III to V ("Control Drugs").
    _d("99401-0802-30", "Buprenorphine/naloxone 8-2 mg film", True, 3, 3),
    _d("99401-0200-10", "Testosterone cypionate 200 mg/mL vial", True, 3, 2),
    _d("99402-0330-20", "Acetaminophen/codeine 300-30 mg tablet", False, 3, 3),
    _d("99501-0005-60", "Alprazolam 0.5 mg tablet", True, 4, 6),
    _d("99501-0105-30", "Zolpidem 10 mg tablet", True, 4, 5),
    _d("99502-0050-60", "Tramadol HCl 50 mg tablet", False, 4, 5),
    _d("99502-0305-60", "Clonazepam 0.5 mg tablet", True, 4, 4),
    _d("99503-0001-60", "Lorazepam 1 mg tablet", True, 4, 3),
    _d("99601-0075-60", "Pregabalin 75 mg capsule", True, 5, 5),
    _d("99601-0200-60", "Lacosamide 200 mg tablet", True, 5, 1),
    _d("99602-0120-01", "Promethazine/codeine 6.25-10 mg/5 mL syrup", False, 5, 2),
)

FEMALE_NAMES = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly",
    "Emily", "Donna", "Michelle", "Carol", "Amanda", "Dorothy", "Melissa", "Deborah",
    "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Amy", "Kathleen", "Angela",
    "Helen", "Anna", "Brenda", "Emma", "Olivia", "Chloe", "Grace",
)  # fmt: skip
MALE_NAMES = (
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
    "Paul", "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald",
    "Edward", "Jason", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Walter",
    "Henry", "Samuel", "Patrick", "Raymond", "Dennis",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Hill", "Green", "Adams", "Nelson", "Baker", "Hall", "Campbell", "Mitchell", "Carter",
    "Roberts", "Kowalski", "Nowak", "O'Brien", "Murphy", "Sullivan", "Nguyen", "Patel",
    "Kim", "Schmidt", "Novak", "Washington",
)  # fmt: skip
SPANISH_FEMALE_NAMES = (
    "María", "Guadalupe", "Rosa", "Ana", "Carmen", "Sofía", "Lucía", "Isabel", "Juana",
    "Verónica", "Alejandra", "Gabriela", "Leticia", "Marisol", "Yesenia", "Elena",
    "Patricia", "Adriana", "Daniela", "Valeria",
)  # fmt: skip
SPANISH_MALE_NAMES = (
    "José", "Juan", "Luis", "Carlos", "Jesús", "Miguel", "Jorge", "Francisco", "Alejandro",
    "Ricardo", "Fernando", "Raúl", "Héctor", "Eduardo", "Javier", "Sergio", "Andrés",
    "Óscar", "Manuel", "Diego",
)  # fmt: skip
SPANISH_LAST_NAMES = (
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Mendoza", "Castillo", "Jiménez",
    "Vázquez", "Romero", "Herrera", "Medina", "Aguilar",
)  # fmt: skip

AREA_CODES = ("312", "773", "872", "708", "630", "847", "224", "331", "779", "815")
"""Chicago-area codes; each is valid with the fictional 555-01xx exchange."""

ZIP_CODES = (
    "60613", "60614", "60618", "60622", "60625", "60626", "60630", "60639", "60640",
    "60641", "60647", "60657", "60659", "60660", "60608", "60623", "60629", "60632",
)  # fmt: skip

INVALID_PHONES = ("555-12", "(773) 555-01", "312-555-0", "0000000", "1-800-PHARMACY")
INVALID_EMAILS = ("jane@@example.com", "maria.lopez@example", "bob.example.com", "tom@")


def email_slug(name: str) -> str:
    """Ascii letters only, lower case: `José` becomes `jose`, `O'Brien` `obrien`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.lower() if ch.isalpha())
