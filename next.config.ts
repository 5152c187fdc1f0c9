import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Native addons and in-process databases must not be bundled (STACK-NOTES: ssh2 breaks the build otherwise).
  serverExternalPackages: ['ssh2', '@electric-sql/pglite', 'pg', '@node-rs/argon2'],
  experimental: {
    // forbidden() gives a real HTTP 403 from server actions and pages.
    authInterrupts: true,
  },
};

export default nextConfig;
