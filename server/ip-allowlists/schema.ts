import { z } from 'zod';
import { normaliseCidr } from '../security/cidr.js';

/** A party's allow-list, replaced whole: CIDR ranges or single addresses, IPv4 or IPv6. Empty: no restriction. */
export const SetIpAllowlistSchema = z.strictObject({
  cidrs: z
    .array(
      z
        .string()
        .max(64)
        .transform((s, ctx) => {
          const cidr = normaliseCidr(s);
          if (cidr) return cidr;
          ctx.addIssue({ code: 'custom', message: 'not an IP address or CIDR range' });
          return z.NEVER;
        }),
    )
    .max(100),
});
export type SetIpAllowlistInput = z.infer<typeof SetIpAllowlistSchema>;
