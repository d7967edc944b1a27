"""`python -m sandbox serve --access-log FILE`: request lines go to the file, not the terminal."""

from __future__ import annotations

import logging

from sandbox.__main__ import _access_log_to


def test_the_access_log_goes_to_its_file_and_not_to_the_terminal(tmp_path, capsys):
    requests_log = logging.getLogger("werkzeug")
    saved = (list(requests_log.handlers), requests_log.level, requests_log.propagate)
    path = tmp_path / "var" / "sandbox-access.log"
    try:
        _access_log_to(str(path))
        requests_log.info('127.0.0.1 - - "GET /crm/v8/org HTTP/1.1" 200 -')
        for handler in requests_log.handlers:
            handler.flush()
    finally:
        for handler in requests_log.handlers[len(saved[0]) :]:
            handler.close()
        requests_log.handlers[:] = saved[0]
        requests_log.setLevel(saved[1])
        requests_log.propagate = saved[2]

    assert path.read_text() == '127.0.0.1 - - "GET /crm/v8/org HTTP/1.1" 200 -\n'
    assert "GET /crm/v8/org" not in capsys.readouterr().err
