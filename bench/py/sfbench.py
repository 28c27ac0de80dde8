"""Shared helpers of the simple-salesforce side of the benchmarks (see bench/run.sh).

Login: simple-salesforce's own OAuth username-password flow (``Salesforce(username=,
password=PASSWORD+TOKEN, consumer_key=, consumer_secret=)``: with a consumer key and secret
and no ``security_token`` it POSTs to ``https://{domain}.salesforce.com/services/oauth2/token``).
The only change is where that one URL points: the requests session handed to simple-salesforce
sends ``https://login.salesforce.com`` to the fake org's login URL (``SF_LOGIN_URL``). Everything
after the login goes to the ``instance_url`` the token endpoint answered, untouched, over https,
trusting the bench CA through ``REQUESTS_CA_BUNDLE``.
"""

import json
import os
import sys

import requests

REAL_LOGIN = "https://login.salesforce.com"


class LoopbackLoginSession(requests.Session):
    """A requests session that sends the login host to the fake org; nothing else changes."""

    def request(self, method, url, *args, **kwargs):
        if url.startswith(REAL_LOGIN):
            url = os.environ["SF_LOGIN_URL"] + url[len(REAL_LOGIN):]
        return super().request(method, url, *args, **kwargs)


def login():
    from simple_salesforce import Salesforce

    return Salesforce(
        username=os.environ["SF_USERNAME"],
        password=os.environ["SF_PASSWORD"] + os.environ.get("SF_SECURITY_TOKEN", ""),
        consumer_key=os.environ["SF_CLIENT_ID"],
        consumer_secret=os.environ["SF_CLIENT_SECRET"],
        version=os.environ.get("SF_API_VERSION", "66.0"),
        session=LoopbackLoginSession(),
    )


def emit(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()
