package seed
import ("testing";"time";"golang.org/x/crypto/bcrypt")
func TestB(t *testing.T){ h,_:=bcrypt.GenerateFromPassword([]byte("abcdefgh12"),11); s:=time.Now(); for i:=0;i<5;i++{bcrypt.CompareHashAndPassword(h,[]byte("x"))}; t.Log(time.Since(s)/5)}
