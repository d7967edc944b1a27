"""crmadmin on a 390 px phone: the menu folds behind "Menu", lists and subforms scroll inside
their own box, the page itself never scrolls sideways, and Log out stays reachable. Also a long
record's section index and "find a field", and dark mode. Screenshots are saved to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crmadmin.zoho import client_for
from tests.fixtures.browser import SCREENSHOTS
from updater.records import records_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser):
    """This module's pages are a phone's (the shared `log_in` and `screenshot` use it)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _first_id(connection, module: str) -> str:
    page = records_list(client=client_for(connection), module=module, fields=["id"], per_page=1)
    return str(page.records[0]["id"])


def _page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _sticking_out(page) -> list[str]:
    """Elements reaching past the right edge (to say what broke, when it does)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *:not(.skip-link)")]
        .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5)
        .slice(0, 8).map(el => `${el.tagName}#${el.id}.${el.className}`)"""
    )


def _fits(page) -> None:
    assert _page_width(page) <= PHONE["width"], _sticking_out(page)


def _scrolls_inside(locator) -> bool:
    """The box is wider inside than out and scrolls sideways on its own."""
    return locator.evaluate(
        "box => box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === 'auto'"
    )


def test_the_record_list_fits_390_px_and_its_table_scrolls_inside(
    live_server, page, log_in, screenshot, editor_user, shared_sandbox_connection
):
    log_in("editor")
    page.goto(f"{live_server.url}/records/{shared_sandbox_connection.pk}/Contacts/")
    table = page.locator("#record-table .table-wrap")
    expect(table.locator("tbody tr").first).to_be_visible()

    _fits(page)
    assert _scrolls_inside(table)
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # folded behind "Menu"
    screenshot("small-record-list-390")


def test_the_edit_form_with_a_subform_fits_390_px(
    live_server, page, log_in, screenshot, editor_user, shared_sandbox_connection
):
    record_id = _first_id(shared_sandbox_connection, "Contacts")
    log_in("editor")
    page.goto(f"{live_server.url}/records/{shared_sandbox_connection.pk}/Contacts/{record_id}/")
    subform = page.locator("#field-Addresses .subform")
    expect(subform).to_be_visible()

    _fits(page)
    assert _scrolls_inside(subform)
    save = page.get_by_role("button", name="Save changes").last
    box = save.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot("small-record-edit-subform-390")
    page.screenshot(path=str(SCREENSHOTS / "small-record-edit-top-390.png"))
    subform.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "small-record-edit-subform-view-390.png"))


def test_the_connection_page_fits_390_px_and_log_out_is_in_the_menu(
    live_server, page, log_in, screenshot, staff_user, shared_sandbox_connection
):
    log_in("staff")
    page.goto(f"{live_server.url}/connections/{shared_sandbox_connection.pk}/")
    expect(page.get_by_role("heading", name="Health")).to_be_visible()

    _fits(page)
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    screenshot("small-connection-detail-390")

    page.get_by_text("Menu").click()
    expect(log_out).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "small-menu-open-390.png"))
    log_out.click()
    expect(page.get_by_label("Username")).to_be_visible()
    page.goto(f"{live_server.url}/connections/")
    assert "/login/" in page.url  # really logged out


@pytest.fixture
def desktop(browser, live_server):
    """`desktop("staff", color_scheme="dark")`: a signed-in 1280 px page of its own."""
    from tests.fixtures.users import PASSWORD

    contexts = []

    def open_as(username: str, **options):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_wide_record_has_a_section_index_and_find_a_field(
    live_server, desktop, staff_user, shared_sandbox_connection
):
    page = desktop("staff")
    record_id = _first_id(shared_sandbox_connection, "Wide_Module")
    page.goto(f"{live_server.url}/records/{shared_sandbox_connection.pk}/Wide_Module/{record_id}/")

    index = page.get_by_role("navigation", name="Sections of this record")
    sections = page.locator("#record-form-fields section.section")
    expect(index.locator("li")).to_have_count(sections.count())
    page.screenshot(path=str(SCREENSHOTS / "wide-record-index.png"))
    last = index.get_by_role("link").last
    last.click()
    assert page.url.endswith(last.get_attribute("href"))
    expect(sections.last).to_be_in_viewport()
    expect(index).to_be_in_viewport()  # sticky beside the form, even far down the page

    rows = page.locator("#record-form-fields .section .field:visible")
    before = rows.count()
    page.get_by_label("Find a field").fill("Field 07")
    expect(page.locator("#find-field-status")).to_contain_text("fields match")
    after = rows.count()
    assert 0 < after < before
    for label in rows.locator("label, .label, legend").all_inner_texts():
        assert "field 07" in label.lower()
    assert index.locator("li:visible").count() < sections.count()  # empty sections leave the index
    page.screenshot(path=str(SCREENSHOTS / "wide-record-find-a-field.png"))
    page.get_by_label("Find a field").fill("")
    expect(rows).to_have_count(before)


def test_a_contacts_deals_and_roles_are_one_link_from_the_top(
    live_server, page, log_in, editor_user, shared_sandbox_connection
):
    record_id = _first_id(shared_sandbox_connection, "Contacts")
    log_in("editor")
    page.goto(f"{live_server.url}/records/{shared_sandbox_connection.pk}/Contacts/{record_id}/")

    link = page.get_by_role("link", name="Linked deals and roles")
    assert link.bounding_box()["y"] < PHONE["height"]  # on the first screen
    link.click()
    expect(page.locator("#related-links").get_by_role("heading")).to_be_in_viewport()


CONTRAST = """([fg, bg]) => {
  const rgb = s => { const d = document.createElement("div"); d.style.color = s;
    document.body.append(d); const m = getComputedStyle(d).color.match(/[\\d.]+/g).map(Number);
    d.remove(); return m; };
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const css = getComputedStyle(document.documentElement);
  const [a, b] = [lum(rgb(css.getPropertyValue(fg))), lum(rgb(css.getPropertyValue(bg)))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colours_follow_the_system_preference_and_stay_readable(
    live_server, desktop, scheme, editor_user, shared_sandbox_connection
):
    page = desktop("editor", color_scheme=scheme)
    record_id = _first_id(shared_sandbox_connection, "Contacts")
    page.goto(f"{live_server.url}/records/{shared_sandbox_connection.pk}/Contacts/{record_id}/")
    expect(page.locator("form.record-form")).to_be_visible()

    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = background == "rgb(18, 21, 27)"
    assert dark is (scheme == "dark"), background
    for fg, bg in [
        ("--ink", "--bg"),
        ("--ink", "--surface"),
        ("--muted", "--surface"),
        ("--accent", "--surface"),
        ("--err", "--err-soft"),
        ("--ok", "--ok-soft"),
        ("--warn", "--warn-soft"),
    ]:
        assert page.evaluate(CONTRAST, [fg, bg]) >= 4.5, (scheme, fg, bg)
    page.screenshot(path=str(SCREENSHOTS / f"record-edit-{scheme}.png"))


def test_the_list_with_its_count_and_criteria_rows_fits_390_px(
    live_server, page, log_in, screenshot, editor_user, shared_sandbox_connection
):
    log_in("editor")
    url = f"{live_server.url}/records/{shared_sandbox_connection.pk}/Contacts/"
    page.goto(
        f"{url}?c0-field=Date_of_Birth&c0-operator=greater_than&c0-value=1900-01-01&add=1&add_rows=2"
    )
    expect(page.locator("#matching-count")).to_contain_text("matching record")
    expect(page.locator("#criteria-c2")).to_be_visible()

    _fits(page)
    screenshot("small-record-list-criteria-390")
    page.locator(".browse-controls").screenshot(
        path=str(SCREENSHOTS / "small-record-list-criteria-rows-390.png")
    )
