'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { logout } from '@/app/(panel)/actions';
import { ActionForm } from '@/components/forms/action-form';

export function UserMenu({ name, email, role }: { name: string; email: string; role: string }) {
  const router = useRouter();
  return (
    <details className="group relative">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-200 hover:bg-slate-800">
        <span className="flex h-7 w-7 items-center justify-center rounded-full bg-indigo-500 text-xs font-semibold text-white" aria-hidden>
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span className="hidden sm:inline">{name}</span>
        <span className="sr-only">Open the user menu</span>
      </summary>
      <div className="absolute right-0 z-10 mt-2 w-60 rounded-md bg-white p-2 text-slate-800 shadow-lg ring-1 ring-slate-200">
        <div className="border-b border-slate-100 px-2 pb-2">
          <p className="truncate text-sm font-medium">{name}</p>
          <p className="truncate text-xs text-slate-500">{email}</p>
          <p className="mt-1 text-xs text-slate-500">
            Role: <span data-testid="current-role">{role}</span>
          </p>
        </div>
        <Link href="/settings" className="mt-1 block rounded px-2 py-1.5 text-sm hover:bg-slate-100">
          Settings
        </Link>
        <ActionForm
          action={logout}
          onSuccess={() => {
            router.replace('/login');
            router.refresh();
          }}
        >
          <button type="submit" className="block w-full rounded px-2 py-1.5 text-left text-sm hover:bg-slate-100">
            Sign out
          </button>
        </ActionForm>
      </div>
    </details>
  );
}
