import Link from 'next/link';

export const metadata = { title: 'Not found' };

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <Link href="/" className="mt-4 inline-block text-indigo-700 underline">
        Back to the overview
      </Link>
    </main>
  );
}
