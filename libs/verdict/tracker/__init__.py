"""Issue trackers and Report Portal: preview and create flows, RP push, comment enrichment.

The gateway validates and gates a request, then asks the tracker worker (remote.py);
the worker runs the flow (flows.py) and answers with data or a typed error.
"""
