"""The dataset page's data panel shows the review state and the workflow's buttons to the people
who may use them (warehouse/_data_panel.html includes workflow/_dataset_panel.html)."""

from __future__ import annotations

from satudata.workflow import services
from tests.workflow.conftest import review_url, token_in


def page(client, dataset) -> str:
    response = client.get(f"/dataset/{dataset.slug}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_produsen_submits_from_the_dataset_page(world, dataset, version, client_for):
    client = client_for("produsen_own")
    html = page(client, dataset)
    assert "Submit for review" in html and review_url(version, "ajukan") in html
    response = client.post(review_url(version, "ajukan"), {"token": token_in(html)})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "diajukan"
    html = page(client, dataset)
    assert "Submit for review" not in html
    assert "Waits for" in html and f'href="{review_url(version)}"' in html


def test_reviewers_get_a_review_link_and_publish_only_verified(world, dataset, version, client_for):
    walidata = client_for("walidata")
    publish_url = f"/dataset/{dataset.slug}/versi/1/terbitkan"
    assert "Submit for review" not in page(walidata, dataset)
    assert publish_url not in page(walidata, dataset)  # a draft: nothing to publish yet
    services.submit(world.users["produsen_own"], version)
    html = page(walidata, dataset)
    assert "Review this version" in html and publish_url not in html
    services.verify(world.users["walidata"], version)
    assert publish_url in page(walidata, dataset)


def test_the_public_sees_no_workflow(world, dataset, version, client_for):
    services.submit(world.users["produsen_own"], version)
    services.verify(world.users["walidata"], version)
    services.publish(world.users["walidata"], version)
    html = page(client_for("anonymous"), dataset)
    assert "/tinjauan/" not in html and "Submit for review" not in html
    other = page(client_for("produsen_other"), dataset)  # the header links to its own queue
    assert f"/tinjauan/{dataset.slug}" not in other and "data-workflow-panel" not in other
