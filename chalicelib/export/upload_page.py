"""The page of 명단 올리기: a form that posts one file straight to the export bucket, and a script that shows
its progress, then polls the status object the import writes until the roster is loaded or could not be read.

The page is written into the bucket and handed out behind a presigned link (:meth:`S3Exporter.upload_page
<chalicelib.export.s3.S3Exporter.upload_page>`); this module only draws it, from the presigned POST and the
status object's link. No library, nothing loaded: the page is one file.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape


def upload_page_html(form_url: str, fields: Mapping[str, object], status: str) -> str:
    """The page: ``form_url`` and ``fields`` are the presigned POST's, ``status`` the status object's link."""
    hidden = "\n".join(f'<input type="hidden" name="{escape(k)}" value="{escape(str(v))}">' for k, v in fields.items())
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>행정이 명단 올리기</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem">
<h1 style="font-size: 1.3rem">명단 파일 올리기</h1>
<p>엑셀(.xlsx)이나 CSV 파일을 골라 올려 주세요. 열: 소속, 이름, 확인번호(있으면).</p>
<form action="{escape(form_url)}" id="upload" method="post" enctype="multipart/form-data"
 data-status="{escape(status)}">
{hidden}
<input type="file" name="file" accept=".xlsx,.csv" required>
<p><button type="submit">올리기</button></p>
</form>
<progress id="bar" max="100" value="0" hidden style="width: 100%"></progress>
<p id="said" role="status" aria-live="polite">올리면 이 페이지에서 반영되는 것을 볼 수 있어요.
결과는 카카오톡에서 다음에 보내는 메시지에 알려 드려요.</p>
<script>{UPLOAD_SCRIPT}</script>
</body></html>
"""


# The upload page's script (no library, nothing loaded): the form is sent by XMLHttpRequest to show its progress,
# then the status object the import writes is polled until the roster is loaded or could not be read. Without
# script the form posts as a plain form, and the admin's next message still tells the result.
UPLOAD_SCRIPT = """
(function () {
  var form = document.getElementById("upload"), bar = document.getElementById("bar");
  var said = document.getElementById("said"), status = form.getAttribute("data-status");
  function say(text) { said.textContent = text; }
  function poll(n) {
    fetch(status, { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; }).then(function (s) {
        if (s && s.state === "done") {
          bar.value = 100;
          say("반영했어요: " + s.detail + ". 카카오톡으로 돌아가 아무 메시지나 보내면 자세한 결과를 알려 드려요.");
        } else if (s && s.state === "failed") {
          say("명단 파일을 읽지 못했어요. 카카오톡으로 돌아가 아무 메시지나 보내면 이유를 알려 드려요.");
        } else if (n < 90) {
          if (s && s.state === "reading") { say("파일을 읽고 명단에 반영하는 중이에요…"); }
          setTimeout(function () { poll(n + 1); }, 2000);
        } else {
          say("아직 반영하는 중이에요. 잠시 뒤 카카오톡에서 아무 메시지나 보내면 결과를 알려 드려요.");
        }
      });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var xhr = new XMLHttpRequest();
    form.querySelector("button").disabled = true;
    bar.hidden = false;
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable) { bar.value = Math.round(90 * ev.loaded / ev.total); }
      say("올리는 중… " + Math.round(100 * ev.loaded / (ev.total || 1)) + "%");
    };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 90;
        say("올렸어요. 명단에 반영하는 중이에요…");
        poll(0);
      } else {
        form.querySelector("button").disabled = false;
        say("올리지 못했어요 (HTTP " + xhr.status + "). 5MB 이하의 엑셀(.xlsx)이나 CSV인지, 링크가 아직 유효한지 "
          + "확인해 주세요.");
      }
    };
    xhr.onerror = function () {
      form.querySelector("button").disabled = false;
      say("올리지 못했어요. 연결을 확인하고 다시 눌러 주세요.");
    };
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  });
})();
"""
