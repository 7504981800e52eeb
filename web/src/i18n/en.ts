import type { MessageKey } from "./it";

// English: the second language. Same keys as it.ts.
export const en: Record<MessageKey, string> = {
  "app.name": "Welcome Desk",
  "app.skipToContent": "Skip to content",

  "login.title": "Sign in",
  "login.intro": "Sign in with your username and password.",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.busy": "Signing in…",

  "password.title": "Change your password",
  "password.intro": "You were given a temporary password. Choose a new one, known only to you, to go on.",
  "password.current": "Current (temporary) password",
  "password.new": "New password",
  "password.newHint": "At least 12 characters. A phrase of a few words is easy to remember and hard to guess.",
  "password.confirm": "Repeat the new password",
  "password.submit": "Change password",
  "password.busy": "Saving…",
  "password.mismatch": "The two new passwords differ.",
  "password.cancel": "Sign out",

  "shell.signedInAs": "{name} ({role})",
  "shell.logout": "Sign out",
  "shell.online": "Online",
  "shell.offline": "Offline",
  "shell.connecting": "Connecting…",
  "shell.refused": "The server refused the connection: {reason}",
  "shell.pending.none": "All changes are on the server",
  "shell.pending.some": "Changes waiting to reach the server: {count}",
  "shell.status": "Connection status",

  "cases.title": "Cases at the desk",
  "cases.loading": "Loading the list…",
  "cases.unavailable": "The list is not available yet: it will load as soon as the server answers.",
  "cases.empty": "No cases yet.",
  "cases.count.one": "{count} document",
  "cases.count.other": "{count} documents",
  "cases.column.title": "Title",
  "cases.column.kind": "Kind",
  "cases.column.status": "Status",
  "cases.column.updated": "Updated",

  "kind.case": "Case",
  "kind.case_notes": "Case notes",
  "kind.index": "Index",
  "kind.directory": "Catalogue",

  "status.open": "Open",
  "status.referred": "Referred",
  "status.closed": "Closed",
  "status.none": "—",

  "role.operator": "operator",
  "role.social_worker": "social worker",
  "role.admin": "administrator",

  "error.invalid_credentials": "Wrong username or password.",
  "error.account_disabled": "This account is disabled. Ask an administrator.",
  "error.account_locked": "Too many attempts: the account is locked for a few minutes. Try again later.",
  "error.rate_limited": "Too many attempts from this device. Try again shortly.",
  "error.busy": "The server is busy. Try again in a few seconds.",
  "error.wrong_password": "The current password is wrong.",
  "error.weak_password": "The new password is too weak: {reason}",
  "error.unauthenticated": "Your session is no longer valid. Sign in again.",
  "error.token_expired": "Your session has expired. Sign in again.",
  "error.password_change_required": "First change your temporary password.",
  "error.network": "The server does not answer. Check the connection and try again.",
  "error.unknown": "Something went wrong ({code}). Try again.",
  "error.session_ended": "Your session has ended. Sign in again.",

  // — store: the encrypted local store, offline unlock, inactivity lock —
  "error.login_to_sync": "The network is back: sign in again to send the changes made on this tablet to the server.",
  "login.offline.offer":
    "The server does not answer. You have used this tablet before: you can open the data saved here and work offline. Your changes will reach the server when the connection is back.",
  "login.offline.unlock": "Open offline",
  "login.offline.busy": "Opening…",
  "login.offline.none":
    "The server does not answer and this tablet holds no data of this user: the first sign-in needs the network.",
  "unlock.title": "App locked",
  "unlock.intro":
    "After {minutes} minutes without activity the app locks to protect the data. Enter your password to continue: unsent changes are safe on this tablet.",
  "unlock.submit": "Unlock",
  "unlock.busy": "Unlocking…",
  "unlock.switchUser": "Switch user",
  "store.wrongPassword": "Wrong password for this tablet's data.",
  "store.tooManyAttempts": "Too many wrong attempts. Try again in {seconds} seconds.",
  "store.noLocalData": "This tablet holds no data of this user: the first sign-in needs the network.",
  "store.previousPassword":
    "This tablet's data are protected by your previous password (it was changed elsewhere). Enter the previous password to recover them.",
  "store.previousPasswordLabel": "Previous password",
  "store.recover": "Recover the data",
  "store.discard": "I don't remember it: delete this tablet's data",
  "store.discardWarning":
    "Changes made on this tablet that have not reached the server yet will be lost. Data already on the server stay.",
  "store.failed": "This tablet's data could not be opened ({code}).",
};
