"""Make the vendored packages in lib/ importable."""
from google.appengine.ext import vendor

vendor.add('lib')
