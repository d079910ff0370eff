"""Test fixtures every service's tests share: real infrastructure, service processes, SMTP and OTLP sinks."""
