import type { Metadata } from "next";
import { ProfileSettings } from "./profile-settings";

export const metadata: Metadata = { title: "Your profile" };

/** My name, status, password and sessions; they are per user, so the workspace only frames the page. */
export default function ProfilePage() {
  return <ProfileSettings />;
}
