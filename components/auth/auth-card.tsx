export function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200">
        <p className="text-sm font-semibold tracking-wide text-indigo-600">BERTH</p>
        <h1 className="mt-1 mb-6 text-xl font-semibold">{title}</h1>
        {children}
      </div>
    </main>
  );
}
