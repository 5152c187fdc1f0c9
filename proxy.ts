import { type NextRequest, NextResponse } from 'next/server';
import { REQUEST_PATH_HEADER } from '@/lib/auth/return-to';

/**
 * Tells pages which path was asked for, so requireUser() can send a signed-out visitor to
 * /login?next=<that path> (a layout has no other way to know its URL). Always overwritten, so a
 * client cannot set it; the login page validates it anyway (lib/auth/return-to.ts). No
 * authorization happens here: every page and action checks the session itself.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ['/((?!api/|_next/|favicon.ico).*)'],
};
