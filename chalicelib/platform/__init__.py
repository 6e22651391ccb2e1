"""The platform's plumbing: settings from the environment (config), secrets from the parameter store, metrics and
log lines that keep people's data out."""
