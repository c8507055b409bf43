import type { Metadata } from "next";
import { VerifyEmail } from "../mail-forms";

export const metadata: Metadata = { title: "Confirm your address" };

export default async function VerifyEmailPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string }>;
}) {
  const { token = "" } = await searchParams;
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Confirm your address</h1>
      <VerifyEmail token={token} />
    </>
  );
}
