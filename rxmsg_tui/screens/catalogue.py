"""Every screen and menu by its legacy name, in the legacy menu order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenEntry:
    """A screen as staff know it: the name they type in the palette and what it is for."""

    id: str
    name: str
    purpose: str
    """What the screen lets staff do, in the legacy manual's words."""
    meanwhile: str = ""
    """Where to do it until the screen is built, if anywhere."""
    aliases: tuple[str, ...] = ()
    """Other names the palette finds it by (staff say "Chat" for 2-way Messaging)."""


@dataclass(frozen=True)
class Menu:
    id: str
    name: str
    purpose: str
    items: tuple[Menu | ScreenEntry, ...]


Item = Menu | ScreenEntry

OUTBOUND_SETUP = ScreenEntry(
    "outbound-setup",
    "Outbound Messaging Setup",
    "choose how email, SMS and calls go out (Email Service API, SMS Service API, "
    "Message Routing API or the IVR Interface) and where the IVR computer listens "
    "(its IP address and outbound port).",
    meanwhile="rxmsg settings show / rxmsg settings set setup.sms_using …",
)
ALERT_SETTINGS = ScreenEntry(
    "alert-settings",
    "Alert Settings",
    "decide which alerts go out by Email, SMS or Outbound Call and when: refill "
    "reminders, ready for pickup and its follow-ups, birthday, welcome, general and "
    "review messages, the sending windows and days, and the patient defaults. "
    "Changes need a support unlock code.",
    meanwhile="rxmsg settings show / rxmsg settings set alerts.… --unlock CODE",
)
HELD_DAILY_MESSAGES = ScreenEntry(
    "held-daily-messages",
    "Held Daily Messages",
    "see the Welcome, Birthday and Customer Review messages the daily process held "
    "because they would have reached too many patients at once, and (admins) release them.",
    meanwhile="rxmsg run-daily --release welcome|birthday|review",
)
MESSAGE_FORMAT = ScreenEntry(
    "message-format",
    "Outbound Messaging Format",
    "create and edit the message templates for each method, alert type and "
    "language, with Load Default and the #NAME# variables such as #PATIENTNAME#.",
)
MESSAGE_QUEUE = ScreenEntry(
    "message-queue",
    "Outbound Messaging Queue",
    "see the pending and sent messages in a date range (date/time, method, alert "
    "type, priority, entity, entity name, status and attempts), delete messages, "
    "and print the list.",
)
QUICK_RESPONSES = ScreenEntry(
    "quick-responses",
    "2-way Message Template",
    "keep Quick Responses: short canned replies, with #PATIENTNAME# style "
    "variables, to send in two-way text chat.",
)
REVIEW_SITES = ScreenEntry(
    "review-sites",
    "Review Sites",
    "list the websites where customer review requests send patients (Google "
    "Business Profile, the pharmacy website, Yelp, Facebook) and pick the default "
    "one that SMS review requests link to.",
)
OPT_IN_WORDING = ScreenEntry(
    "opt-in-wording",
    "Opt-in Wording",
    "write what the signature pad shows a patient asked for consent, for transactional "
    "and marketing messages in English and Spanish, and the channels it covers. Each "
    "save is a new version; consents keep the version the patient signed.",
    aliases=("Consent Wording",),
)
PATIENT_LISTING = ScreenEntry(
    "patient-listing",
    "Patient Listing",
    "find patients by name, patient ID or cell phone and open their profile.",
)
SEND_EMAIL_SMS = ScreenEntry(
    "send-email-sms",
    "Send Email/SMS",
    "send a general email and/or text message to the patients you pick from the patient "
    "list by name, age, birth month, ZIP, last fill or drug, in three steps: select the "
    "patients, write or pick a previously sent message, then confirm and send it to the "
    "message queue.",
    meanwhile="rxmsg group-send",
)
TWO_WAY_MESSAGING = ScreenEntry(
    "two-way-messaging",
    "2-way Messaging",
    "text with patients: conversations newest first with unread counts, each thread "
    "with its replies' status, and a reply written or picked from the Quick Responses. "
    "Messages sent through two-way chat are not HIPAA compliant.",
    aliases=("Chat",),
)
PATIENT_PROFILE = ScreenEntry(
    "patient-profile",
    "Patient Profile",
    "look up a patient by ID: contact details, verification, consent, message "
    "settings and prescriptions.",
)

OUTBOUND_MESSAGING = Menu(
    "outbound-messaging",
    "Outbound Messaging",
    "Setup, alert settings, templates, the queue, two-way templates, review sites, held "
    "greetings and the opt-in wording.",
    (
        OUTBOUND_SETUP,
        ALERT_SETTINGS,
        MESSAGE_FORMAT,
        MESSAGE_QUEUE,
        QUICK_RESPONSES,
        REVIEW_SITES,
        HELD_DAILY_MESSAGES,
        OPT_IN_WORDING,
    ),
)
INTERFACE_SETUPS = Menu(
    "interface-setups",
    "Interface Setups",
    "Interfaces to other systems: outbound messaging by email, SMS and calls.",
    (OUTBOUND_MESSAGING,),
)
MESSAGING_INTERFACE = Menu(
    "messaging-interface",
    "Messaging Interface",
    "Two-way text chat with patients.",
    (TWO_WAY_MESSAGING,),
)
MISC = Menu(
    "misc",
    "Misc",
    "Interface setups, two-way messaging and other store tools.",
    (INTERFACE_SETUPS, MESSAGING_INTERFACE),
)
MAIN_MENU = Menu(
    "main-menu",
    "Main Menu",
    "Back to the first menu.",
    (PATIENT_LISTING, PATIENT_PROFILE, MISC, SEND_EMAIL_SMS),
)


def walk(menu: Menu = MAIN_MENU, path: tuple[str, ...] = ()) -> Iterator[tuple[Item, str]]:
    """Every menu and screen under `menu` with its menu path (`Misc > … > Name`)."""
    for item in menu.items:
        here = (*path, item.name)
        yield item, " > ".join(here)
        if isinstance(item, Menu):
            yield from walk(item, here)


def menu_path(item: Item) -> str:
    """The legacy path staff follow to reach `item`, as the manual writes it."""
    if item is MAIN_MENU:
        return MAIN_MENU.name
    return next(path for found, path in walk() if found is item)
