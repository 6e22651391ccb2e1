// 행정이 web chat (local only): people side by side, each talking to /skill through /chat/api/say.
"use strict";

(() => {
  const BOT_NAME = "행정이";
  const PEOPLE_KEY = "hj-webchat-people";
  const FOLD_AT = 500; // KakaoTalk folds longer texts behind 전체 보기
  const TRIGGER = {
    typed: "TEXT_INPUT",
    quick: "QUICKREPLY_BUTTON_MESSAGE",
    button: "CARD_BUTTON_MESSAGE",
    item: "LIST_ITEM_MESSAGE",
  };

  const columns = document.getElementById("columns");
  const empty = document.getElementById("empty");
  const people = new Map(); // name -> Person
  let deliveriesSince = null; // the Event API stand-in's delivery count already seen

  // --- small helpers -----------------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function api(name, body) {
    const resp = await fetch("/chat/api/" + name, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = null;
    }
    if (!resp.ok) throw new Error((data && data.error) || `HTTP ${resp.status}`);
    return data;
  }

  function isHttp(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  function savePeople() {
    const list = [...people.values()].map((p) => ({ name: p.name, unit: p.unit, role: p.role }));
    try {
      localStorage.setItem(PEOPLE_KEY, JSON.stringify(list));
    } catch (e) {
      /* private mode: the columns just are not kept */
    }
  }

  function loadPeople() {
    try {
      const list = JSON.parse(localStorage.getItem(PEOPLE_KEY) || "[]");
      return Array.isArray(list) ? list.filter((p) => p && typeof p.name === "string") : [];
    } catch (e) {
      return [];
    }
  }

  // --- drawing a skill response ------------------------------------------------------------------
  //
  // draw(reply, tap) returns the nodes of the outputs and the quick replies; tap(kind, item) is
  // called when a message button, list item or quick reply is pressed.

  function draw(reply, tap) {
    const nodes = [];
    if (!reply || typeof reply !== "object" || Array.isArray(reply)) {
      nodes.push(note("JSON 객체가 아닌 응답입니다."));
      return { nodes, quick: [] };
    }
    if (reply.useCallback) {
      const text = (reply.data && reply.data.text) || "";
      nodes.push(textBubble(text ? `(콜백 대기 중) ${text}` : "(콜백 대기 중)"));
      return { nodes, quick: [] };
    }
    const template = reply.template || {};
    const outputs = Array.isArray(template.outputs) ? template.outputs : [];
    if (!outputs.length) nodes.push(note("출력이 없습니다 (template.outputs가 비었습니다)."));
    for (const output of outputs) {
      const keys = output && typeof output === "object" ? Object.keys(output) : [];
      if (keys.length !== 1) {
        nodes.push(note("모양이 잘못된 출력: " + JSON.stringify(output).slice(0, 200)));
        continue;
      }
      nodes.push(component(keys[0], output[keys[0]], tap));
    }
    const quick = Array.isArray(template.quickReplies) ? template.quickReplies : [];
    return { nodes, quick };
  }

  function note(text) {
    return el("div", { class: "bubble bot note", text });
  }

  function textBubble(text) {
    text = String(text == null ? "" : text);
    const body = el("div", { class: "text" });
    if (text.length > FOLD_AT) {
      body.textContent = text.slice(0, FOLD_AT) + "…";
      const more = el("button", {
        class: "fold", type: "button", text: "전체 보기",
        onclick: () => { body.textContent = text; more.remove(); },
      });
      return el("div", { class: "bubble bot" }, body, more);
    }
    body.textContent = text;
    return el("div", { class: "bubble bot" }, body);
  }

  function component(kind, body, tap, inCarousel) {
    if (!body || typeof body !== "object") return note(`알 수 없는 출력 ${kind}`);
    switch (kind) {
      case "simpleText":
        return textBubble(body.text);
      case "simpleImage":
        return el("div", { class: "bubble bot image" }, image(body.imageUrl, body.altText));
      case "textCard":
      case "basicCard":
        return basicCard(body, tap, inCarousel);
      case "listCard":
        return listCard(body, tap, inCarousel);
      case "commerceCard":
        return commerceCard(body, tap, inCarousel);
      case "itemCard":
        return itemCard(body, tap, inCarousel);
      case "carousel":
        return carousel(body, tap);
      default:
        return note(`이 화면이 그리지 않는 출력 ${kind}: ` + JSON.stringify(body).slice(0, 160));
    }
  }

  function image(url, alt) {
    if (!isHttp(url) && !/^data:image\//.test(String(url || ""))) return null;
    return el("img", { src: url, alt: alt || "", loading: "lazy", referrerpolicy: "no-referrer" });
  }

  function card(kind, inCarousel, ...children) {
    return el("div", { class: `card ${kind}${inCarousel ? " in-carousel" : ""}`, dataset: { kind } }, ...children);
  }

  function basicCard(c, tap, inCarousel) {
    const thumb = c.thumbnail ? image(c.thumbnail.imageUrl, c.thumbnail.altText) : null;
    return card(
      c.thumbnail ? "basicCard" : "textCard", inCarousel,
      thumb ? el("div", { class: "thumb" }, thumb) : null,
      el("div", { class: "card-body" },
        c.title ? el("div", { class: "card-title", text: c.title }) : null,
        c.description ? el("div", { class: "card-desc", text: c.description }) : null),
      buttons(c.buttons, c.buttonLayout, tap),
    );
  }

  function listCard(c, tap, inCarousel) {
    const header = c.header || {};
    const items = (Array.isArray(c.items) ? c.items : []).map((it) => listItem(it, tap));
    return card(
      "listCard", inCarousel,
      el("div", { class: "list-header", text: header.title || "" }),
      el("div", { class: "list-items" }, items),
      buttons(c.buttons, c.buttonLayout, tap),
    );
  }

  function listItem(it, tap) {
    const inner = [
      el("div", { class: "item-text" },
        el("div", { class: "item-title", text: it.title || "" }),
        it.description ? el("div", { class: "item-desc", text: it.description }) : null),
      it.imageUrl ? el("div", { class: "item-img" }, image(it.imageUrl, "")) : null,
    ];
    const link = it.link && (it.link.web || it.link.mobile || it.link.pc);
    if (isHttp(link)) {
      return el("a", { class: "list-item", href: link, target: "_blank", rel: "noopener noreferrer" }, inner);
    }
    if (it.action === "message" || it.action === "block") {
      return el("button", {
        class: "list-item", type: "button",
        onclick: () => tap(TRIGGER.item, it.messageText || it.title || "", it.extra),
      }, inner);
    }
    return el("div", { class: "list-item" }, inner);
  }

  function commerceCard(c, tap, inCarousel) {
    const thumb = Array.isArray(c.thumbnails) && c.thumbnails[0] ? image(c.thumbnails[0].imageUrl, "") : null;
    const won = (n) => (typeof n === "number" ? n.toLocaleString("ko-KR") + "원" : "");
    const price = c.discountedPrice !== undefined ? c.discountedPrice : c.price;
    return card(
      "commerceCard", inCarousel,
      thumb ? el("div", { class: "thumb" }, thumb) : null,
      el("div", { class: "card-body" },
        c.title ? el("div", { class: "card-title", text: c.title }) : null,
        c.description ? el("div", { class: "card-desc", text: c.description }) : null,
        el("div", { class: "price", text: won(price) })),
      buttons(c.buttons, c.buttonLayout, tap),
    );
  }

  function itemCard(c, tap, inCarousel) {
    const head = (c.head && c.head.title) || (c.profile && c.profile.title) || "";
    const rows = (Array.isArray(c.itemList) ? c.itemList : []).map((r) =>
      el("div", { class: "item-row" }, el("span", { text: r.title || "" }), el("b", { text: r.description || "" })));
    const sum = c.itemListSummary;
    return card(
      "itemCard", inCarousel,
      head ? el("div", { class: "list-header", text: head }) : null,
      el("div", { class: "card-body" },
        rows,
        sum ? el("div", { class: "item-row sum" }, el("span", { text: sum.title || "" }),
          el("b", { text: sum.description || "" })) : null,
        c.title ? el("div", { class: "card-title", text: c.title }) : null,
        c.description ? el("div", { class: "card-desc", text: c.description }) : null),
      buttons(c.buttons, c.buttonLayout, tap),
    );
  }

  function carousel(c, tap) {
    const kind = c.type || "basicCard";
    const items = (Array.isArray(c.items) ? c.items : []).map((it) => component(kind, it, tap, true));
    const header = c.header ? el("div", { class: "card in-carousel carousel-header" },
      el("div", { class: "card-body" },
        el("div", { class: "card-title", text: c.header.title || "" }),
        el("div", { class: "card-desc", text: c.header.description || "" }))) : null;
    return el("div", { class: "carousel", dataset: { kind: "carousel", type: kind } }, header, items);
  }

  function buttons(list, layout, tap) {
    if (!Array.isArray(list) || !list.length) return null;
    return el("div", { class: `card-buttons ${layout === "horizontal" ? "horizontal" : "vertical"}` },
      list.map((b) => cardButton(b, tap)));
  }

  function cardButton(b, tap) {
    const label = b.label || "";
    switch (b.action) {
      case "webLink":
        if (!isHttp(b.webLinkUrl)) return el("button", { class: "card-button", type: "button", disabled: true, text: label });
        return el("a", {
          class: "card-button link", href: b.webLinkUrl, target: "_blank", rel: "noopener noreferrer",
          title: "새 탭에서 엽니다", text: label,
        });
      case "message":
      case "block":
        return el("button", {
          class: "card-button", type: "button", text: label,
          onclick: () => tap(TRIGGER.button, b.messageText || label, b.extra),
        });
      case "phone":
        return el("a", { class: "card-button", href: "tel:" + (b.phoneNumber || ""), text: label });
      default:
        return el("button", {
          class: "card-button", type: "button", disabled: true, text: label,
          title: `${b.action || "?"} 버튼은 여기서 흉내 내지 않습니다`,
        });
    }
  }

  // --- one person's column -----------------------------------------------------------------------

  class Person {
    constructor(info) {
      this.name = info.name;
      this.unit = info.unit || "";
      this.role = info.role || "";
      this.queue = Promise.resolve();
      this.replies = 0;
      this.build();
    }

    build() {
      this.input = el("input", {
        class: "compose-input", placeholder: "메시지 입력", maxlength: 1000, "aria-label": `${this.name}의 메시지`,
      });
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite" });
      this.quick = el("div", { class: "quick" });
      this.badge = el("span", { class: "badge", text: this.role ? "슈퍼관리자" : "" });
      this.badge.hidden = !this.role;
      const form = el("form", {
        class: "compose", autocomplete: "off",
        onsubmit: (e) => {
          e.preventDefault();
          const text = this.input.value.trim();
          if (!text) return;
          this.input.value = "";
          this.send(text, TRIGGER.typed, null);
        },
      }, this.input, el("button", { class: "send", type: "submit", text: "전송" }));
      this.root = el("section", { class: "person", dataset: { user: this.name, busy: "false", replies: "0" } },
        el("header", { class: "person-head" },
          el("div", { class: "avatar me", text: this.name.slice(0, 1) }),
          el("div", { class: "who" },
            el("div", { class: "name" }, el("span", { text: this.name }), this.badge),
            el("div", { class: "sub", text: this.unit || "소속 없음" })),
          el("div", { class: "tools" },
            el("button", { type: "button", class: "tool register", text: "등록", title: this.registerText(),
              onclick: () => this.register() }),
            el("button", { type: "button", class: "tool superadmin", text: "슈퍼관리자",
              title: "make superadmin과 같은 방법으로 슈퍼관리자로 지정합니다", onclick: () => this.makeSuper() }),
            el("button", { type: "button", class: "tool close", text: "×", title: "이 창 닫기", "aria-label": "닫기",
              onclick: () => removePerson(this.name) }))),
        this.checkForm(), this.log, this.quick, form);
    }

    // With a roster whose people have check values, 등록 asks for one first (the bot refuses a registration
    // without it); the value is sent as a person types it in KakaoTalk, and is not kept by the page.
    checkForm() {
      this.check = el("input", {
        class: "check-input", type: "password", inputmode: "numeric", autocomplete: "off", maxlength: 20,
        placeholder: "확인번호", "aria-label": `${this.name}의 확인번호`,
      });
      this.checkBox = el("form", {
        class: "check-form", autocomplete: "off",
        onsubmit: (e) => {
          e.preventDefault();
          const value = this.check.value.trim();
          if (!value) return;
          this.check.value = "";
          this.checkBox.hidden = true;
          this.send(`${this.registerText()} ${value}`, TRIGGER.typed, null);
        },
      },
      el("span", { class: "check-label", text: "명단의 확인번호를 넣어 주세요" }),
      this.check,
      el("button", { type: "submit", class: "check-send", text: "등록" }),
      el("button", { type: "button", class: "check-cancel", text: "취소",
        onclick: () => { this.check.value = ""; this.checkBox.hidden = true; } }));
      this.checkBox.hidden = true;
      return this.checkBox;
    }

    async register() {
      let roster = { checks: false };
      try {
        roster = await api("roster", {});
      } catch (e) {
        /* the roster cannot be asked: register as before, the bot says what it needs */
      }
      if (roster.checks) {
        this.checkBox.hidden = false;
        this.check.focus();
        return;
      }
      this.send(this.registerText(), TRIGGER.typed, null);
    }

    registerText() {
      return this.unit ? `등록 ${this.unit} ${this.name}` : `등록 ${this.name}`;
    }

    setBusy(busy) {
      this.root.dataset.busy = busy ? "true" : "false";
      for (const b of this.quick.querySelectorAll("button")) b.disabled = busy;
    }

    scroll() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    system(text, bad) {
      this.log.append(el("div", { class: `system${bad ? " bad" : ""}`, text }));
      this.scroll();
    }

    // Messages of one person go one after another, as in a real chat.
    send(text, trigger, extra) {
      this.queue = this.queue.then(() => this.exchange(text, trigger, extra));
      return this.queue;
    }

    async exchange(text, trigger, extra) {
      this.quick.replaceChildren();
      this.log.append(el("div", { class: "msg user" }, el("div", { class: "bubble user", text })));
      const typing = el("div", { class: "msg bot typing" }, el("div", { class: "avatar bot", text: "행" }),
        el("div", { class: "bubble bot" }, el("span", { class: "dots", text: "···" })));
      this.log.append(typing);
      this.scroll();
      this.setBusy(true);
      try {
        const result = await api("say", { user: this.name, text, trigger, extra: extra || {} });
        typing.remove();
        this.showReply(result);
      } catch (e) {
        typing.remove();
        this.system(`보내지 못했어요: ${e.message}`, true);
      } finally {
        this.replies += 1;
        this.root.dataset.replies = String(this.replies);
        this.setBusy(false);
        this.scroll();
        checkDeliveries();
      }
    }

    showReply(result, arrived) {
      if (result.error && !result.reply) {
        this.system(result.error, true);
        return;
      }
      const tap = (trig, message, extra) => this.send(message, trig, extra);
      const { nodes, quick } = draw(result.reply, tap);
      const raw = el("pre", { class: "raw" });
      raw.hidden = true;
      raw.textContent = result.request
        ? `// 응답 (HTTP ${result.status}, ${result.bytes} B)\n${pretty(result.reply)}\n\n// 요청\n${pretty(result.request)}`
        : pretty(result.reply);
      const meta = el("div", { class: "meta" });
      if (typeof result.millis === "number") {
        meta.append(el("span", {
          class: `ms${result.slow ? " bad" : ""}`,
          text: `${Math.round(result.millis)} ms${result.slow ? " · 카카오 5초 제한에 가까워요" : ""}`,
        }));
      }
      const problems = result.problems || [];
      meta.append(problems.length
        ? el("span", { class: "check bad", text: `카카오 제한 위반: ${problems.join(", ")}` })
        : el("span", { class: "check ok", text: "카카오 제한 OK", title: "chalicelib.kakao.response.validate와 카드 제한으로 확인" }));
      meta.append(el("button", {
        class: "raw-toggle", type: "button", text: "JSON", "aria-expanded": "false",
        onclick: (e) => {
          raw.hidden = !raw.hidden;
          e.currentTarget.setAttribute("aria-expanded", String(!raw.hidden));
          e.currentTarget.classList.toggle("on", !raw.hidden);
        },
      }));
      const msg = el("div", { class: `msg bot${problems.length ? " invalid" : ""}` },
        el("div", { class: "avatar bot", text: "행" }),
        el("div", { class: "body" },
          el("div", { class: "botname", text: arrived ? `${BOT_NAME} · 알림` : BOT_NAME }),
          el("div", { class: "outputs" }, nodes),
          meta, raw));
      this.log.append(msg);
      this.quick.replaceChildren(...quick.map((q) => el("button", {
        class: "chip", type: "button", text: q.label || q.messageText || "",
        title: q.extra ? `extra ${JSON.stringify(q.extra)}` : (q.messageText || ""),
        onclick: () => this.send(q.messageText || q.label || "", TRIGGER.quick, q.extra),
      })));
      this.scroll();
    }

    async makeSuper() {
      try {
        const r = await api("superadmin", { user: this.name });
        this.system(r.message, !r.ok);
        if (r.ok) {
          this.role = "super";
          this.badge.textContent = "슈퍼관리자";
          this.badge.hidden = false;
          savePeople();
        }
      } catch (e) {
        this.system(`슈퍼관리자로 지정하지 못했어요: ${e.message}`, true);
      }
    }
  }

  function addPerson(info, save) {
    if (people.has(info.name)) return people.get(info.name);
    const p = new Person(info);
    people.set(p.name, p);
    columns.append(p.root);
    empty.hidden = true;
    if (save) savePeople();
    return p;
  }

  function removePerson(name) {
    const p = people.get(name);
    if (!p) return;
    p.root.remove();
    people.delete(name);
    empty.hidden = people.size > 0;
    savePeople();
  }

  // Reminders (알림) arrive through the local Event API stand-in, a moment after the 예 that sent them.
  let deliveryTimer = null;
  function checkDeliveries() {
    clearTimeout(deliveryTimer);
    const look = async (later) => {
      if (!people.size || deliveriesSince === null) return;
      try {
        const r = await api("deliveries", { since: deliveriesSince, users: [...people.keys()] });
        deliveriesSince = r.next;
        for (const item of r.items) {
          const p = people.get(item.user);
          if (p) p.showReply({ reply: item.reply, status: item.status, problems: [] }, true);
        }
      } catch (e) {
        /* no stand-in: nothing arrives */
      }
      if (later.length) deliveryTimer = setTimeout(() => look(later.slice(1)), later[0]);
    };
    look([1500, 4000]);
  }

  document.getElementById("add-person").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = document.getElementById("new-name");
    const unit = document.getElementById("new-unit");
    const n = name.value.trim().replace(/\s+/g, " ");
    if (!n) return;
    const p = people.get(n) || addPerson({ name: n, unit: unit.value.trim().replace(/\s+/g, " ") }, true);
    name.value = "";
    unit.value = "";
    p.input.focus();
  });

  for (const info of loadPeople()) addPerson(info, false);
  api("deliveries", { since: 0, users: [] })
    .then((r) => { deliveriesSince = r.next; })
    .catch(() => { deliveriesSince = 0; });
})();
