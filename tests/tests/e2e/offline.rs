//! Offline work: tablets edit while the network is down and converge, without losing an edit, when it
//! returns; connections that die in the middle of a transfer resume.

use std::time::Duration;

use sportello_schema::documents::{CaseDoc, ReferralStatus};
use sportello_tests::eventually;

use crate::desk::{Desk, WAIT, need, new_case, noticed_offline, referral, same_heads};

#[tokio::test]
async fn three_tablets_editing_offline_converge_with_the_server_without_losing_an_edit() {
    // Arrange: Anna opens two cases, one referred to housing; Bruno (operator) and Carla (housing social
    // worker) have them on their tablets.
    let desk = Desk::new().await;
    let anna = desk.tablet(&desk.anna).await;
    let bruno = desk.tablet(&desk.bruno).await;
    let carla = desk.tablet(&desk.carla).await;

    let mut shared = new_case(&anna, "Giulia", "Bianchi", "Prima analisi allo sportello.");
    shared.needs = vec![need("economic", "")];
    shared.referrals = vec![referral(&anna, "r-1", "housing", "Sfratto esecutivo")];
    let x = anna.create_case(&shared).await.unwrap();
    let y = anna
        .create_case(&new_case(&anna, "Omar", "Haddad", "Chiede informazioni."))
        .await
        .unwrap();
    anna.wait_synced(&[x, y], WAIT).await.unwrap();
    bruno.want(&x.to_url()).await.unwrap();
    bruno.want(&y.to_url()).await.unwrap();
    carla.want(&x.to_url()).await.unwrap();
    same_heads(&[&anna, &bruno, &carla], x).await;
    same_heads(&[&anna, &bruno], y).await;

    // Act: the network goes; everyone keeps working.
    desk.proxy.cut();
    for tablet in [&anna, &bruno, &carla] {
        noticed_offline(tablet).await;
    }
    let carla_id = carla.owner().unwrap().id;
    anna.edit_case(x, |case| {
        case.summary
            .push_str(" [Anna] Sfratto fissato per dicembre.");
    })
    .await
    .unwrap();
    anna.edit_case(y, |case| {
        case.needs.push(need("housing", "Cerca un alloggio"));
    })
    .await
    .unwrap();
    let z = anna
        .create_case(&new_case(&anna, "Lucia", "Verdi", "Aperta offline."))
        .await
        .unwrap();
    bruno
        .edit_case(x, |case| {
            case.summary.push_str(" [Bruno] Due figli minori.");
            case.needs
                .push(need("employment", "Licenziato a settembre"));
        })
        .await
        .unwrap();
    bruno
        .edit_case(y, |case| {
            case.person.languages = vec!["ar".into(), "fr".into()]
        })
        .await
        .unwrap();
    let decided_at = carla.now().as_str().to_owned();
    carla
        .edit_case(x, |case| {
            let r = case.referrals.iter_mut().find(|r| r.id == "r-1").unwrap();
            r.status = ReferralStatus::Accepted;
            r.decided_by = Some(carla_id);
            r.decided_at = Some(decided_at);
            r.note = Some("Presa in carico".into());
            case.needs[0].note = "ISEE da aggiornare".into();
        })
        .await
        .unwrap();
    for (tablet, ids) in [
        (&anna, vec![x, y, z]),
        (&bruno, vec![x, y]),
        (&carla, vec![x]),
    ] {
        for id in ids {
            assert!(
                !tablet.status(id).unwrap().synced_to_server,
                "offline edits wait"
            );
        }
    }

    desk.proxy.heal();

    // Assert: every edit reaches the server, every tablet converges with it.
    anna.wait_synced(&[x, y, z], WAIT).await.unwrap();
    bruno.wait_synced(&[x, y], WAIT).await.unwrap();
    carla.wait_synced(&[x], WAIT).await.unwrap();
    bruno.want(&z.to_url()).await.unwrap();
    same_heads(&[&anna, &bruno, &carla], x).await;
    same_heads(&[&anna, &bruno], y).await;
    same_heads(&[&anna, &bruno], z).await;

    let at_server = desk.server_copy(&desk.anna, &[x, y, z]).await;
    let at_server_for_carla = desk.server_copy(&desk.carla, &[x]).await;
    for (id, server) in [x, y, z].into_iter().zip(&at_server) {
        let server = server.as_ref().expect("the server has every document");
        assert_eq!(Some(server.get_heads()), anna.heads(id), "{id}");
        let content: CaseDoc = autosurgeon::hydrate(server).unwrap();
        assert_eq!(anna.case(id).unwrap().as_ref(), Some(&content));
        assert_eq!(bruno.case(id).unwrap().as_ref(), Some(&content));
    }
    let carla_view = at_server_for_carla[0].as_ref().unwrap();
    assert_eq!(Some(carla_view.get_heads()), carla.heads(x));
    assert_eq!(carla.case(x).unwrap(), anna.case(x).unwrap());

    let x_case = anna.case(x).unwrap().unwrap();
    assert!(x_case.summary.starts_with("Prima analisi allo sportello."));
    assert!(
        x_case
            .summary
            .contains(" [Anna] Sfratto fissato per dicembre."),
        "{}",
        x_case.summary
    );
    assert!(
        x_case.summary.contains(" [Bruno] Due figli minori."),
        "{}",
        x_case.summary
    );
    let needs: Vec<(&str, &str)> = x_case
        .needs
        .iter()
        .map(|n| (n.code.as_str(), n.note.as_str()))
        .collect();
    assert!(
        needs.contains(&("economic", "ISEE da aggiornare")),
        "{needs:?}"
    );
    assert!(
        needs.contains(&("employment", "Licenziato a settembre")),
        "{needs:?}"
    );
    let r1 = x_case.referral("r-1").unwrap();
    assert_eq!(r1.status, ReferralStatus::Accepted);
    assert_eq!(r1.decided_by, Some(carla_id));
    assert_eq!(r1.note.as_deref(), Some("Presa in carico"));

    let y_case = anna.case(y).unwrap().unwrap();
    assert_eq!(y_case.needs.len(), 1);
    assert_eq!(y_case.needs[0].code.as_str(), "housing");
    assert_eq!(
        y_case.person.languages,
        vec!["ar".to_owned(), "fr".to_owned()]
    );

    let z_case = bruno.case(z).unwrap().unwrap();
    assert_eq!(z_case.person.family_name, "Verdi");
    assert_eq!(z_case.created_by, anna.owner().unwrap().id);

    for (tablet, ids) in [
        (&anna, vec![x, y, z]),
        (&bruno, vec![x, y, z]),
        (&carla, vec![x]),
    ] {
        for id in ids {
            let status = tablet.status(id).unwrap();
            assert!(status.synced_to_server && status.refused.is_none() && !status.unavailable);
        }
    }
}

#[tokio::test]
async fn a_connection_cut_in_the_middle_of_a_transfer_resumes_and_converges() {
    let desk = Desk::new().await;
    let anna = desk.offline_tablet(&desk.anna).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let summary = format!(
            "Caso {i}. {}",
            "Colloquio lungo, molti dettagli. ".repeat(60)
        );
        let case = new_case(&anna, "Persona", &format!("Numero{i}"), &summary);
        ids.push(anna.create_case(&case).await.unwrap());
    }

    // Every connection dies after 8 KiB until the rule is lifted; the cases are ~2 KB each.
    desk.proxy.truncate_after(Some(8 * 1024));
    anna.start();
    let proxy = &desk.proxy;
    eventually(&[&anna], WAIT, "a truncated connection", || {
        proxy.stats().truncated >= 1
    })
    .await
    .unwrap();
    desk.proxy.truncate_after(None);
    desk.proxy.set_delay(Duration::from_millis(2));
    anna.wait_synced(&ids, WAIT).await.unwrap();

    let bruno = desk.tablet(&desk.bruno).await;
    for id in &ids {
        bruno.want(&id.to_url()).await.unwrap();
    }
    bruno.wait_settled(WAIT).await.unwrap();
    for id in &ids {
        assert_eq!(bruno.heads(*id), anna.heads(*id));
        assert_eq!(bruno.case(*id).unwrap(), anna.case(*id).unwrap());
    }
}
