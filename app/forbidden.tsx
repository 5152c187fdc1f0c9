import Link from 'next/link';

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Not allowed</h1>
      <p className="mt-2 text-slate-600">Your role does not allow this. Ask an owner or admin if you need it.</p>
      <Link href="/" className="mt-4 inline-block text-indigo-700 underline">
        Back to the overview
      </Link>
    </main>
  );
}
