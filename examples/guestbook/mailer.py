"""Mail for the guestbook's owner."""
import logging
import smtplib

MAIL_RELAY = 'mail.example.com'


def send_digest(text):
    relay = smtplib.SMTP(MAIL_RELAY)
    relay.sendmail('book@example.com', ['owner@example.com'], text)
    logging.info('digest sent')


def save_draft(text):
    try:
        with open('drafts/digest.txt', 'w') as out:
            out.write(text)
    except IOError:
        logging.warning('no local drafts on App Engine: %s', text[:40])
