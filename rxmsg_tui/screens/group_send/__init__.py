"""Send Email/SMS: the group-send wizard (patients, message, confirm) and its one-patient form."""
