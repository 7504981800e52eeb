//! The totem's state on disk: one small JSON file, [`STATE_FILE`], in a directory of its own, rewritten
//! atomically and durably (temporary file, fsync, rename, fsync of the directory). A missing file is a first
//! start; a damaged file or one of a later version is an error, never a silent fresh start.

use std::io::Write as _;
use std::path::Path;

use super::TotemError;
use super::ledger::{STATE_VERSION, TotemState};

/// The state file's name inside the totem's directory.
pub const STATE_FILE: &str = "totem.json";

impl TotemState {
    /// Reads the state in `dir`; a directory without a state file is a totem's first start.
    pub fn load(dir: &Path) -> Result<TotemState, TotemError> {
        let path = dir.join(STATE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TotemState::default());
            }
            Err(source) => return Err(TotemError::Storage { path, source }),
        };
        let state: TotemState =
            serde_json::from_slice(&bytes).map_err(|error| TotemError::CorruptState {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        if state.version != STATE_VERSION {
            return Err(TotemError::CorruptState {
                path,
                reason: format!(
                    "version {} (this totem reads version {STATE_VERSION})",
                    state.version
                ),
            });
        }
        Ok(state)
    }

    /// Writes the state to `dir` atomically and durably: a temporary file, fsynced, renamed over the state
    /// file, and the directory fsynced so the rename itself survives a power cut.
    pub fn save(&self, dir: &Path) -> Result<(), TotemError> {
        let path = dir.join(STATE_FILE);
        let bytes = serde_json::to_vec_pretty(self).map_err(|error| TotemError::CorruptState {
            path: path.clone(),
            reason: error.to_string(),
        })?;
        let temporary = dir.join(format!("{STATE_FILE}.tmp"));
        let storage = |source| TotemError::Storage {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::File::create(&temporary).map_err(storage)?;
        file.write_all(&bytes).map_err(storage)?;
        file.sync_all().map_err(storage)?;
        drop(file);
        std::fs::rename(&temporary, &path).map_err(storage)?;
        sync_dir(dir).map_err(storage)
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Directories cannot be opened for syncing here; the rename is as durable as the platform makes it.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::totem::Totem;
    use crate::totem::fixtures::*;
    use crate::totem::ledger::{PendingTicket, Unimportable};
    use sportello_schema::api::Secret;

    #[test]
    fn the_state_survives_a_round_trip_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            TotemState::load(dir.path()).unwrap(),
            TotemState::default(),
            "first start"
        );
        let mut state = TotemState::default();
        state.leases.push(held(TODAY, "A500", "A509"));
        let (lease_id, _) = state.take_number(line("A"), TODAY).unwrap();
        state.pending.push(PendingTicket {
            lease_id,
            ticket: offline("A500", "op-1"),
        });
        state.unimportable.push(Unimportable {
            lease_id,
            ticket: offline("A900", "op-2"),
            code: "number_taken".into(),
            message: "taken".into(),
        });
        state.save(dir.path()).unwrap();
        assert_eq!(TotemState::load(dir.path()).unwrap(), state);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [STATE_FILE], "no temporary file left behind");

        state.pending.clear();
        state.save(dir.path()).unwrap();
        assert!(
            TotemState::load(dir.path()).unwrap().pending.is_empty(),
            "replaced"
        );
    }

    #[test]
    fn a_damaged_or_newer_state_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(STATE_FILE),
            b"{\"version\": 1, \"leases\": [",
        )
        .unwrap();
        assert!(matches!(
            TotemState::load(dir.path()),
            Err(TotemError::CorruptState { .. })
        ));
        let newer =
            serde_json::json!({"version": 2, "leases": [], "pending": [], "unimportable": []});
        std::fs::write(dir.path().join(STATE_FILE), newer.to_string()).unwrap();
        let error = TotemState::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("version 2"), "{error}");
        assert!(matches!(
            Totem::open(dir.path(), "http://127.0.0.1:1", Secret::new("x"), vec![]),
            Err(TotemError::CorruptState { .. })
        ));
    }
}
