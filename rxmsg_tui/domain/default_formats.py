"""The "Load Default" formats: every alert type × method, in English and Spanish.

Written for patients: short, with the store's name and phone. SMS texts name
no drug (minimum necessary PHI) and stay within one GSM-7 segment with the
sample values; the Spanish ones avoid letters GSM-7 lacks (á, í, ó, ú), which
would halve the segment. Welcome texts say how to stop.
"""

from __future__ import annotations

from dataclasses import dataclass

from rxmsg_tui.domain.vocabulary import AlertType, Language, Method


@dataclass(frozen=True)
class DefaultFormat:
    subject: str
    body: str


A = AlertType
_EN: dict[tuple[AlertType, Method], DefaultFormat] = {
    (A.GENERAL, Method.SMS): DefaultFormat("General message", "#STORENAME#: "),
    (A.GENERAL, Method.EMAIL): DefaultFormat(
        "A message from #STORENAME#",
        "Dear #PATIENTFIRSTNAME#,\n\n\n\nQuestions? Call us at #STOREPHONE#.\n#STORENAME#",
    ),
    (A.GENERAL, Method.CALL): DefaultFormat(
        "General message",
        "Hello, this is #STORENAME# calling for #PATIENTFIRSTNAME#. "
        "Please call us at #STOREPHONE#. Thank you.",
    ),
    (A.REFILL_REMINDER, Method.SMS): DefaultFormat(
        "Refill reminder",
        "#STORENAME#: Hi #PATIENTFIRSTNAME#, a prescription of yours is due for a refill. "
        "Call #STOREPHONE# to order.",
    ),
    (A.REFILL_REMINDER, Method.EMAIL): DefaultFormat(
        "Time to refill your prescription",
        "Dear #PATIENTFIRSTNAME#,\n\nYour prescription #RXNUMBER# (#DRUGNAME#) is due for a "
        "refill on #DUEDATE#. You have #REFILLSREMAINING# refills left.\n\nReply to this email "
        "or call us at #STOREPHONE# and we will have it ready.\n\n#STORENAME#\n#STOREADDRESS#",
    ),
    (A.REFILL_REMINDER, Method.CALL): DefaultFormat(
        "Refill reminder",
        "Hello, this is #STORENAME# with a message for #PATIENTFIRSTNAME#. A prescription of "
        "yours is due for a refill. Please call us at #STOREPHONE#. Thank you.",
    ),
    (A.READY_FOR_PICKUP, Method.SMS): DefaultFormat(
        "Ready for pickup",
        "#STORENAME#: Hi #PATIENTFIRSTNAME#, your prescription is ready for pickup. "
        "Questions? #STOREPHONE#",
    ),
    (A.READY_FOR_PICKUP, Method.EMAIL): DefaultFormat(
        "Your prescription is ready for pickup",
        "Dear #PATIENTFIRSTNAME#,\n\nYour prescription #RXNUMBER# (#DRUGNAME#) is ready for "
        "pickup.\n\nOur hours: #STOREHOURS#\n#STOREADDRESS#\n\nQuestions? Call us at "
        "#STOREPHONE#.\n#STORENAME#",
    ),
    (A.READY_FOR_PICKUP, Method.CALL): DefaultFormat(
        "Ready for pickup",
        "Hello, this is #STORENAME# with a message for #PATIENTFIRSTNAME#. Your prescription "
        "is ready for pickup. Our number is #STOREPHONE#. Thank you.",
    ),
    (A.PICKUP_CONFIRMATION, Method.SMS): DefaultFormat(
        "Pickup confirmation",
        "#STORENAME#: Thanks #PATIENTFIRSTNAME#, your prescription was picked up today. "
        "Not you? Call #STOREPHONE#",
    ),
    (A.PICKUP_CONFIRMATION, Method.EMAIL): DefaultFormat(
        "Your prescription was picked up",
        "Dear #PATIENTFIRSTNAME#,\n\nYour prescription #RXNUMBER# was picked up on "
        "#PICKUPDATE#. If this was not you, please call us at #STOREPHONE#.\n\n#STORENAME#",
    ),
    (A.PICKUP_CONFIRMATION, Method.CALL): DefaultFormat(
        "Pickup confirmation",
        "Hello, this is #STORENAME#. Your prescription was picked up today. If this was not "
        "you, please call us at #STOREPHONE#. Thank you.",
    ),
    (A.BIRTHDAY, Method.SMS): DefaultFormat(
        "Birthday greeting",
        "Happy birthday, #PATIENTFIRSTNAME#! Best wishes from all of us at #STORENAME#. "
        "Reply STOP to opt out",
    ),
    (A.BIRTHDAY, Method.EMAIL): DefaultFormat(
        "Happy birthday from #STORENAME#",
        "Dear #PATIENTFIRSTNAME#,\n\nHappy birthday! All of us at #STORENAME# wish you a "
        "healthy and happy year.\n\n#STORENAME#\n#STOREPHONE#",
    ),
    (A.BIRTHDAY, Method.CALL): DefaultFormat(
        "Birthday greeting",
        "Hello #PATIENTFIRSTNAME#, this is #STORENAME#. We wish you a very happy birthday!",
    ),
    (A.WELCOME, Method.SMS): DefaultFormat(
        "Welcome",
        "Welcome to #STORENAME# texts! Msg&data rates may apply. "
        "Reply HELP for help, STOP to opt out.",
    ),
    (A.WELCOME, Method.EMAIL): DefaultFormat(
        "Welcome to #STORENAME#",
        "Dear #PATIENTFIRSTNAME#,\n\nThank you for choosing #STORENAME#. We will email you "
        "when your prescriptions are ready and when refills are due.\n\nTo stop these emails, "
        "reply STOP or call us at #STOREPHONE#.\n\n#STORENAME#\n#STOREADDRESS#",
    ),
    (A.WELCOME, Method.CALL): DefaultFormat(
        "Welcome",
        "Hello #PATIENTFIRSTNAME#, welcome to #STORENAME#. We will call you about your "
        "prescriptions. To stop these calls, call us at #STOREPHONE#.",
    ),
    (A.VERIFICATION, Method.SMS): DefaultFormat(
        "Verification code",
        "#STORENAME#: your verification code is #VERIFICATIONCODE#. Give it to the pharmacy staff.",
    ),
    (A.VERIFICATION, Method.EMAIL): DefaultFormat(
        "Your #STORENAME# verification code",
        "Your verification code is #VERIFICATIONCODE#.\n\nPlease give this code to the pharmacy "
        "staff to confirm your email address. If you did not ask for it, ignore this "
        "email.\n\n#STORENAME#",
    ),
    (A.VERIFICATION, Method.CALL): DefaultFormat(
        "Verification code",
        "This is #STORENAME#. Your verification code is #VERIFICATIONCODE#. "
        "Again, your code is #VERIFICATIONCODE#.",
    ),
    (A.CUSTOMER_REVIEW, Method.SMS): DefaultFormat(
        "Review request",
        "#STORENAME#: Thanks for visiting! Tell us how we did: #REVIEWURL# Reply STOP to opt out",
    ),
    (A.CUSTOMER_REVIEW, Method.EMAIL): DefaultFormat(
        "How did we do, #PATIENTFIRSTNAME#?",
        "Dear #PATIENTFIRSTNAME#,\n\nThank you for choosing #STORENAME#. Would you take a "
        "minute to tell others about your visit?\n\n#REVIEWURL#\n\n#STORENAME#\n#STOREPHONE#",
    ),
    (A.CUSTOMER_REVIEW, Method.CALL): DefaultFormat(
        "Review request",
        "Hello, this is #STORENAME#. Thank you for your visit. We would love to hear how we "
        "did. Please see the link we sent you, or call us at #STOREPHONE#.",
    ),
}

_ES: dict[tuple[AlertType, Method], DefaultFormat] = {
    (A.GENERAL, Method.SMS): DefaultFormat("Mensaje general", "#STORENAME#: "),
    (A.GENERAL, Method.EMAIL): DefaultFormat(
        "Un mensaje de #STORENAME#",
        "Estimado/a #PATIENTFIRSTNAME#:\n\n\n\n¿Preguntas? Llámenos al #STOREPHONE#.\n#STORENAME#",
    ),
    (A.GENERAL, Method.CALL): DefaultFormat(
        "Mensaje general",
        "Hola, le llama #STORENAME# para #PATIENTFIRSTNAME#. Por favor llame al #STOREPHONE#. "
        "Gracias.",
    ),
    (A.REFILL_REMINDER, Method.SMS): DefaultFormat(
        "Recordatorio de resurtido",
        "#STORENAME#: Hola #PATIENTFIRSTNAME#, es hora de resurtir una receta suya. "
        "Llame al #STOREPHONE#",
    ),
    (A.REFILL_REMINDER, Method.EMAIL): DefaultFormat(
        "Es hora de resurtir su receta",
        "Estimado/a #PATIENTFIRSTNAME#:\n\nSu receta #RXNUMBER# (#DRUGNAME#) debe resurtirse el "
        "#DUEDATE#. Le quedan #REFILLSREMAINING# resurtidos.\n\nResponda a este correo o "
        "llámenos al #STOREPHONE# y la tendremos lista.\n\n#STORENAME#\n#STOREADDRESS#",
    ),
    (A.REFILL_REMINDER, Method.CALL): DefaultFormat(
        "Recordatorio de resurtido",
        "Hola, le llama #STORENAME# con un mensaje para #PATIENTFIRSTNAME#. Es hora de resurtir "
        "una de sus recetas. Por favor llame al #STOREPHONE#. Gracias.",
    ),
    (A.READY_FOR_PICKUP, Method.SMS): DefaultFormat(
        "Lista para recoger",
        "#STORENAME#: Hola #PATIENTFIRSTNAME#, su receta ya se puede recoger. "
        "Preguntas: #STOREPHONE#",
    ),
    (A.READY_FOR_PICKUP, Method.EMAIL): DefaultFormat(
        "Su receta está lista para recoger",
        "Estimado/a #PATIENTFIRSTNAME#:\n\nSu receta #RXNUMBER# (#DRUGNAME#) está lista para "
        "recoger.\n\nHorario: #STOREHOURS#\n#STOREADDRESS#\n\n¿Preguntas? Llámenos al "
        "#STOREPHONE#.\n#STORENAME#",
    ),
    (A.READY_FOR_PICKUP, Method.CALL): DefaultFormat(
        "Lista para recoger",
        "Hola, le llama #STORENAME# con un mensaje para #PATIENTFIRSTNAME#. Su receta ya se "
        "puede recoger. Nuestro número es #STOREPHONE#. Gracias.",
    ),
    (A.PICKUP_CONFIRMATION, Method.SMS): DefaultFormat(
        "Confirmación de recogida",
        "#STORENAME#: Gracias #PATIENTFIRSTNAME#, su receta fue recogida hoy. "
        "¿No fue usted? Llame al #STOREPHONE#",
    ),
    (A.PICKUP_CONFIRMATION, Method.EMAIL): DefaultFormat(
        "Su receta fue recogida",
        "Estimado/a #PATIENTFIRSTNAME#:\n\nSu receta #RXNUMBER# fue recogida el #PICKUPDATE#. "
        "Si no fue usted, llámenos al #STOREPHONE#.\n\n#STORENAME#",
    ),
    (A.PICKUP_CONFIRMATION, Method.CALL): DefaultFormat(
        "Confirmación de recogida",
        "Hola, le llama #STORENAME#. Su receta fue recogida hoy. Si no fue usted, por favor "
        "llame al #STOREPHONE#. Gracias.",
    ),
    (A.BIRTHDAY, Method.SMS): DefaultFormat(
        "Saludo de cumpleaños",
        "¡Feliz cumpleaños, #PATIENTFIRSTNAME#! Le desea todo el equipo de #STORENAME#. "
        "Responda STOP para no recibir mensajes",
    ),
    (A.BIRTHDAY, Method.EMAIL): DefaultFormat(
        "Feliz cumpleaños de parte de #STORENAME#",
        "Estimado/a #PATIENTFIRSTNAME#:\n\n¡Feliz cumpleaños! Todos en #STORENAME# le deseamos "
        "un año feliz y saludable.\n\n#STORENAME#\n#STOREPHONE#",
    ),
    (A.BIRTHDAY, Method.CALL): DefaultFormat(
        "Saludo de cumpleaños",
        "Hola #PATIENTFIRSTNAME#, le llama #STORENAME#. ¡Le deseamos un muy feliz cumpleaños!",
    ),
    (A.WELCOME, Method.SMS): DefaultFormat(
        "Bienvenida",
        "Bienvenido/a a los mensajes de #STORENAME#. Pueden aplicar tarifas. "
        "Responda HELP para ayuda, STOP para cancelar.",
    ),
    (A.WELCOME, Method.EMAIL): DefaultFormat(
        "Bienvenido/a a #STORENAME#",
        "Estimado/a #PATIENTFIRSTNAME#:\n\nGracias por elegir #STORENAME#. Le escribiremos "
        "cuando sus recetas estén listas y cuando deba resurtirlas.\n\nPara no recibir estos "
        "correos, responda STOP o llámenos al #STOREPHONE#.\n\n#STORENAME#\n#STOREADDRESS#",
    ),
    (A.WELCOME, Method.CALL): DefaultFormat(
        "Bienvenida",
        "Hola #PATIENTFIRSTNAME#, bienvenido a #STORENAME#. Le llamaremos sobre sus recetas. "
        "Para no recibir estas llamadas, llame al #STOREPHONE#.",
    ),
    (A.VERIFICATION, Method.SMS): DefaultFormat(
        "Código de verificación",
        "#STORENAME#: su clave para verificar es #VERIFICATIONCODE#. "
        "Désela al personal de la farmacia.",
    ),
    (A.VERIFICATION, Method.EMAIL): DefaultFormat(
        "Su código de verificación de #STORENAME#",
        "Su código de verificación es #VERIFICATIONCODE#.\n\nDéselo al personal de la farmacia "
        "para confirmar su correo. Si usted no lo pidió, ignore este mensaje.\n\n#STORENAME#",
    ),
    (A.VERIFICATION, Method.CALL): DefaultFormat(
        "Código de verificación",
        "Le llama #STORENAME#. Su código de verificación es #VERIFICATIONCODE#. "
        "Repito, su código es #VERIFICATIONCODE#.",
    ),
    (A.CUSTOMER_REVIEW, Method.SMS): DefaultFormat(
        "Solicitud de opinión",
        "#STORENAME#: ¡Gracias por su visita! Denos su parecer: #REVIEWURL# "
        "Responda STOP para cancelar",
    ),
    (A.CUSTOMER_REVIEW, Method.EMAIL): DefaultFormat(
        "¿Cómo lo hicimos, #PATIENTFIRSTNAME#?",
        "Estimado/a #PATIENTFIRSTNAME#:\n\nGracias por elegir #STORENAME#. ¿Nos dedica un "
        "minuto para contar su experiencia?\n\n#REVIEWURL#\n\n#STORENAME#\n#STOREPHONE#",
    ),
    (A.CUSTOMER_REVIEW, Method.CALL): DefaultFormat(
        "Solicitud de opinión",
        "Hola, le llama #STORENAME#. Gracias por su visita. Nos encantaría saber su opinión. "
        "Vea el enlace que le enviamos, o llame al #STOREPHONE#.",
    ),
}

DEFAULT_FORMATS: dict[Language, dict[tuple[AlertType, Method], DefaultFormat]] = {
    Language.ENGLISH: _EN,
    Language.SPANISH: _ES,
}


def default_format(alert_type: AlertType, method: Method, language: str) -> DefaultFormat:
    """The default in the patient's language; English when there is none in theirs."""
    table = DEFAULT_FORMATS.get(Language(language), _EN) if language in ("en", "es") else _EN
    return table.get((alert_type, method)) or _EN[(alert_type, method)]
