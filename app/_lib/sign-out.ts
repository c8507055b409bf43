/**
 * Signing this browser out from the app's buttons. The sign-out also ends
 * this tab's event stream ("You were signed out"), which would otherwise
 * send the tab to sign in again on its own, racing the action's redirect.
 */
import { signOutAction } from "@/app/(auth)/actions";

let signingOut = false;

export function signOut(): Promise<void> {
  signingOut = true;
  return signOutAction();
}

/** Whether this tab asked to sign out: its stream's end is then expected. */
export const isSigningOut = () => signingOut;
