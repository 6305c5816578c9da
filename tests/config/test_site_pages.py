"""Every page of the site for every demo role: status codes and who may see what."""

from django.test import TestCase
from django.urls import reverse

from flows.blocs.models import Bloc
from flows.demo.services import DEMO_PASSWORD, load_demo

# One account per demo role (the demo data holds every one of them).
ROLE_ACCOUNTS = {
    "head": "vinh-bao.head",
    "emulation_officer": "cat-hai.officer",
    "records_clerk": "cat-hai.clerk",
    "home_affairs_officer": "hp.homeaffairs",
    "supervising_vice_chairman": "hp.vicechair",
    "council_chair": "hp.council.chair",
    "council_secretary": "hp.council.secretary",
    "council_member": "hp.council.m01",
}
OFFICIAL_PAGES = [
    "workflow:inbox",
    "workflow:queue",
    "workflow:archive",
    "thidua:blocs:index",
    "thidua:covenants:index",
    "thidua:validation:index",
    "thidua:credentials:index",
    "thidua:me:index",
]


class SitePagesTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()
        cls.bloc = Bloc.objects.get(code="cum-khoi-huyen-hp")

    def pages(self):
        return [reverse(name) for name in OFFICIAL_PAGES] + [
            reverse("thidua:blocs:detail", args=[self.bloc.pk])
        ]

    def test_anonymous_visitors_are_sent_to_the_login_page(self):
        for url in [*self.pages(), "/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_password_reset_is_reachable_signed_out(self):
        response = self.client.get(reverse("password_reset"))
        self.assertEqual(response.status_code, 200)

    def test_login_page_is_vietnamese_and_titled(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, "Đăng nhập")
        self.assertContains(
            response, "<title>Đăng nhập – Thi đua – Khen thưởng</title>", html=False
        )
        self.assertNotContains(response, "Viewflow Demo")

    def test_every_role_reaches_every_official_page(self):
        for role, username in ROLE_ACCOUNTS.items():
            self.assertTrue(self.client.login(username=username, password=DEMO_PASSWORD), role)
            for url in self.pages():
                with self.subTest(role=role, url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)
            self.client.logout()

    def test_officials_cannot_open_the_admin(self):
        for role, username in ROLE_ACCOUNTS.items():
            self.client.login(username=username, password=DEMO_PASSWORD)
            with self.subTest(role=role):
                response = self.client.get(reverse("admin:index"))
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("admin:login"), response["Location"])
            self.client.logout()

    def test_the_administrator_opens_the_admin_pages(self):
        self.client.login(username="admin", password=DEMO_PASSWORD)
        for name in [
            "admin:index",
            "admin:workflows_appointment_changelist",
            "admin:workflows_auditevent_changelist",
            "admin:blocs_blocterm_changelist",
            "admin:blocs_bloc_changelist",
            "admin:workflows_delegation_changelist",
            "admin:workflows_organisation_changelist",
            "admin:workflows_organisationkind_changelist",
            "admin:workflows_auditchainhead_changelist",
            "admin:workflows_issuednumber_changelist",
            "admin:pledges_covenant_changelist",
            "admin:pledges_covenantversion_changelist",
            "admin:rules_ruleset_changelist",
            "admin:rules_criteriaset_changelist",
            "admin:awards_awardrecord_changelist",
            "admin:awards_finding_changelist",
            "admin:scoring_scoring_changelist",
            "admin:scoring_scoresheet_changelist",
            "admin:scoring_dispute_changelist",
            "admin:scoring_scoringresult_changelist",
        ]:
            with self.subTest(page=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 200)

    def test_root_opens_the_inbox(self):
        self.client.login(username="vinh-bao.head", password=DEMO_PASSWORD)
        response = self.client.get("/", follow=True)
        self.assertEqual(response.request["PATH_INFO"], reverse("workflow:inbox"))

    def test_the_inbox_is_empty_and_vietnamese(self):
        self.client.login(username="vinh-bao.head", password=DEMO_PASSWORD)
        response = self.client.get(reverse("workflow:inbox"))
        self.assertContains(response, '<html lang="vi"', html=False)
        self.assertContains(response, "Thi đua – Khen thưởng")
        self.assertNotContains(response, "data-row-id")
        # An empty list says so, and what the official can do meanwhile.
        self.assertContains(response, "Đồng chí không có việc nào cần làm.")
        self.assertContains(response, reverse("thidua:covenants:index"))
        for name, says in [
            ("workflow:queue", "Không có việc nào chờ nhận"),
            ("workflow:archive", "Đồng chí chưa hoàn thành việc nào."),
        ]:
            self.assertContains(self.client.get(reverse(name)), says)

    def test_unknown_bloc_and_covenant_are_not_found(self):
        self.client.login(username="vinh-bao.head", password=DEMO_PASSWORD)
        for name in ("thidua:blocs:detail", "thidua:covenants:detail"):
            with self.subTest(page=name):
                response = self.client.get(reverse(name, args=[999999]))
                self.assertEqual(response.status_code, 404)

    def test_my_organisation_shows_the_officials_roles_and_blocs(self):
        self.client.login(username="bach-long-vi.head", password=DEMO_PASSWORD)
        self.assertRedirects(self.client.get(reverse("profile")), reverse("thidua:me:index"))
        response = self.client.get(reverse("thidua:me:index"))
        self.assertContains(response, "Chứng thư số của tôi")
        self.assertNotContains(response, "bach-long-vi.head</")
        self.assertContains(response, "UBND huyện Bạch Long Vĩ")
        self.assertContains(response, "Cụm thi đua Khối huyện")
        self.assertContains(response, "Chủ tịch")

    def test_bloc_page_shows_members_leader_deputy_and_year(self):
        self.client.login(username="hp.council.m01", password=DEMO_PASSWORD)
        bloc = Bloc.objects.get(code="khoi-dvsn-bach-long-vi")
        response = self.client.get(reverse("thidua:blocs:detail", args=[bloc.pk]))
        self.assertContains(response, 'data-testid="term-2024"', html=False)
        for unit in [
            "Trung tâm Văn hóa – Thông tin và Thể thao huyện Bạch Long Vĩ",
            "Tầu Hoa Phượng Đỏ",
            "Trường Tiểu học Bạch Long Vĩ",
        ]:
            self.assertContains(response, unit)
        self.assertContains(response, "2024")

    def test_health_probe_answers_without_login(self):
        response = self.client.get(reverse("health"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok")
