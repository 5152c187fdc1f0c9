import Link from 'next/link';

export default function Unauthorized() {
  return (
    <main className="mx-auto max-w-lg px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Signed out</h1>
      <p className="mt-2 text-slate-600">Your session has ended.</p>
      <Link href="/login" className="mt-4 inline-block text-indigo-700 underline">
        Sign in
      </Link>
    </main>
  );
}
