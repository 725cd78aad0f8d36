from tests.mail.smtp_server import smtp_server, smtputf8_server

__all__ = ["smtp_server", "smtputf8_server"]
