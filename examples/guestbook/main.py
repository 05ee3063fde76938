# -*- coding: utf-8 -*-
"""Guestbook: sign the book, read the entries, get a mail digest."""
import logging
import os
import socket
import subprocess

import jinja2
import webapp2
from google.appengine.ext import ndb

import markdown2
from lxml import html as lxml_html

import mailer

JINJA = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.dirname(__file__)))
DEBUG = os.environ.get('SERVER_SOFTWARE', '').startswith('Development')


class Greeting(ndb.Model):
    author = ndb.StringProperty()
    content = ndb.TextProperty()
    date = ndb.DateTimeProperty(auto_now_add=True)


class MainPage(webapp2.RequestHandler):
    def get(self):
        greetings = Greeting.query().order(-Greeting.date).fetch(20)
        template = JINJA.get_template('index.html')
        self.response.write(template.render(greetings=greetings))

    def post(self):
        content = self.request.get('content')
        if len(content) <> 0:
            Greeting(author=self.request.get('author'),
                     content=markdown2.render(content)).put()
        print >>open('/tmp/guestbook.log', 'a'), 'signed by', self.request.remote_addr
        self.redirect('/')


class DigestHandler(webapp2.RequestHandler):
    def get(self):
        mailer.send_digest(self.digest())
        mailer.save_draft(self.digest())
        if DEBUG:
            subprocess.call(['notify-send', 'digest sent'])

    def digest(self):
        page = lxml_html.fromstring(self.request.body or '<p/>')
        return page.text_content()


class StatusHandler(webapp2.RequestHandler):
    def get(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(('0.0.0.0', 8080))
        listener.listen(5)
        version = subprocess.check_output(['git', 'rev-parse', 'HEAD'])
        self.response.write(version)


app = webapp2.WSGIApplication([
    ('/', MainPage),
    ('/digest', DigestHandler),
    ('/status', StatusHandler),
], debug=DEBUG)
