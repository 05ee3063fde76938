"""Admin page, still served as a CGI script."""
import os
import shutil

print 'Content-Type: text/plain'
print
print 'Backing up the templates...'
shutil.copytree('templates', '/tmp/templates-backup')
